package e2e

import (
	"context"
	"sync"
	"testing"
)

var serverVersion struct {
	once    sync.Once
	version string
	err     error
}

// serverKubeVersion is the --kube-version of the test API server ("1.37",
// "1.36"): kubenix checks against the schemas of the version the server
// runs, so that the two judge the same API.
func serverKubeVersion(t *testing.T) string {
	t.Helper()
	serverVersion.once.Do(func() {
		serverVersion.version, serverVersion.err = cp.KubeVersion(context.Background())
	})
	if serverVersion.err != nil {
		t.Fatalf("the API server's version: %v", serverVersion.err)
	}
	return serverVersion.version
}
