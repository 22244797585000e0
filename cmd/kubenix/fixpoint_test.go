package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two charts and a fromYAML in one app, one of them indexed (the
// placeholder path): the first build renders both, the second reads both
// from the cache, and the output is the same.
func TestChartsAndFromYAMLInOneApp(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }:
let
  web = kubenix.helm.chart { chart = "`+filepath.Join(repoRoot(t), "examples", "helm", "charts", "webapp")+`"; name = "web"; namespace = "shop"; };
  shop = kubenix.helm.chart { chart = "`+testChart(t, "shop")+`"; name = "shop"; namespace = "shop"; values.image.tag = "2.0"; };
  svc = builtins.head (builtins.filter (o: o.kind == "Service") web);
in {
  ns = kubenix.fromYAML "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
  web = builtins.filter (o: o.kind != "Service") web;
  inherit shop;
  port = { apiVersion = "v1"; kind = "ConfigMap"; metadata = { name = "web-port"; namespace = "shop"; }; data.port = toString (builtins.head svc.spec.ports).port; };
}
`)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Chdir(dir)
	build := func(want string) string {
		t.Helper()
		var out, errb strings.Builder
		out.Reset()
		if code := run(t.Context(), []string{"build", "app.nix", "--out-dir", "out", "--timings"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), want) {
			t.Fatalf("exit %d, want %q in:\n%s", code, want, errb.String())
		}
		var files []string
		entries, _ := os.ReadDir("out")
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join("out", e.Name()))
			files = append(files, e.Name()+"\n"+string(b))
		}
		return strings.Join(files, "\n")
	}
	first := build("helm: 2 charts rendered, 0 from the cache")
	for _, w := range []string{"namespace-shop.yaml", "deployment-shop-web-webapp.yaml", "port: \"80\"", "configmap-shop-web-port.yaml"} {
		if !strings.Contains(first, w) {
			t.Errorf("missing %q in the output:\n%s", w, first)
		}
	}
	if strings.Contains(first, "service-shop-web-webapp") {
		t.Errorf("the filtered Service was written")
	}
	if again := build("helm: 0 charts rendered, 2 from the cache"); again != first {
		t.Errorf("the cached build differs")
	}
}

// fromYAML reads as manifest files are read: a key written twice is an
// error, at the call, naming the line and column of the YAML.
func TestFromYAMLDuplicateKey(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), "{ kubenix }: {\n  cm = kubenix.fromYAML \"apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: a\\ndata:\\n  x: 1\\n  x: 2\\n\";\n}\n")
	r := kubenix(t, dir, "build", "app.nix", "--no-out-link")
	want := `app.nix:2:8: error: fromYAML: line 7, column 3 of the YAML: duplicate key "x": it is also at line 6`
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, want %q in:\n%s", r.code, want, r.stderr)
	}
}
