package helmwrap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHelmSDKVersionIsGoMods(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "helm.sh/helm/v3" {
			if f[1] != helmSDKVersion {
				t.Errorf("go.mod has helm %s, helmSDKVersion says %s: update helmversion.go", f[1], helmSDKVersion)
			}
			return
		}
	}
	t.Fatal("no helm.sh/helm/v3 in go.mod")
}
