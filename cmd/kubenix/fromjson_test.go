package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kubenix build --from-json: the later stages of a build, from a tree
// evaluated elsewhere (see also nix_test.go, where kubenix.lib.manifests
// produces the tree).
func TestBuildFromJSON(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tree.json"), `{
  "resources": { "configmaps": { "settings": { "metadata": { "namespace": "shop" }, "data": { "mode": "on" } } } },
  "ns": { "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "shop" } },
  "off": null
}`)
	r := kubenix(t, dir, "build", "--from-json", "tree.json", "--out-dir", "out").mustSucceed(t)
	if r.stdout != "out\n" || !strings.Contains(r.stderr, "2 objects written to out") {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
	got := readTree(t, filepath.Join(dir, "out"))
	if got["0100-configmap-shop-settings.yaml"] != "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: \"on\"\n" {
		t.Errorf("output: %v", got)
	}
	if _, ok := got["0010-namespace-shop.yaml"]; !ok {
		t.Errorf("output: %v", got)
	}

	writeFile(t, filepath.Join(dir, "bad.json"), `[ { "apiVersion": "v1", "kind": "Service", "metadata": { "name": "web" }, "spec": { "type": "Loadbalancer", "ports": [ { "port": 80 } ] } }, 3 ]`)
	r = kubenix(t, dir, "build", "--from-json", "bad.json", "--out-dir", "bad-out")
	for _, want := range []string{
		"bad.json: error: Service/default/web: spec.type: Unsupported value: \"Loadbalancer\"",
		"  in .[0]\n",
		"bad.json: error: expected a Kubernetes object",
		"  in .[1]\n",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad-out")); err == nil {
		t.Error("an invalid tree was written")
	}

	writeFile(t, filepath.Join(dir, "broken.json"), `{ "a": `)
	if r := kubenix(t, dir, "build", "--from-json", "broken.json", "--out-dir", "o"); r.code != 1 || !strings.Contains(r.stderr, "broken.json: error: not a JSON tree of objects") {
		t.Errorf("broken JSON: exit %d\n%s", r.code, r.stderr)
	}
}

func TestBuildFromJSONUsage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "t.json"), `[]`)
	for _, args := range [][]string{
		{"build", "--from-json", "t.json", "app.nix"},
		{"build", "--from-json", "t.json", "--argstr", "env", "prod"},
		{"build", "--from-json", "t.json", "-I", "nixpkgs=/x"},
		{"build", "--from-json", "missing.json", "--out-dir", "o"},
	} {
		if r := kubenix(t, dir, args...); r.code != 2 || !strings.HasPrefix(r.stderr, "kubenix: ") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2", args, r.code, r.stderr)
		}
	}
}
