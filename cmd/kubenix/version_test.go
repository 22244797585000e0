package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/version"
)

func TestVersion(t *testing.T) {
	old := version.Version
	version.Version, version.Commit = "v9.8.7", "0123abcd"
	t.Cleanup(func() { version.Version, version.Commit = old, "" })

	r := kubenix(t, "", "version").mustSucceed(t)
	want := "kubenix v9.8.7\ncommit: 0123abcd\ngo: " + runtime.Version() + "\n" +
		"kubernetes: " + strings.Join(schema.Versions(), ", ") + " (default " + schema.DefaultVersion() + ")\n"
	if r.stdout != want {
		t.Errorf("kubenix version:\n%s\nwant:\n%s", r.stdout, want)
	}
	if !strings.Contains(r.stdout, "kubernetes: 1.30, 1.31,") {
		t.Errorf("kubenix version does not list the supported Kubernetes versions:\n%s", r.stdout)
	}

	r = kubenix(t, "", "version", "-o", "json").mustSucceed(t)
	var v versionInfo
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("version -o json: %v\n%s", err, r.stdout)
	}
	if v.Version != "v9.8.7" || v.Commit != "0123abcd" || v.Go != runtime.Version() ||
		v.Kubernetes.Default != schema.DefaultVersion() || len(v.Kubernetes.Versions) < 2 ||
		!strings.HasPrefix(v.Kubernetes.Sources[v.Kubernetes.Default], "k8s.io/kubernetes@v"+v.Kubernetes.Default+".") {
		t.Errorf("version -o json: %+v", v)
	}

	if r := kubenix(t, "", "version", "-o", "yaml"); r.code != 2 {
		t.Errorf("version -o yaml: exit %d, want 2", r.code)
	}
}
