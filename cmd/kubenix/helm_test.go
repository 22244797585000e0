package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testChart(t *testing.T, name string) string {
	p, _ := filepath.Abs(filepath.Join(repoRoot(t), "helmwrap", "testdata", "charts", name))
	return p
}

// A second build with the same inputs renders nothing.
func TestHelmRendersAreCached(t *testing.T) {
	requireNix(t)
	app := filepath.Join(repoRoot(t), "examples", "helm", "app.nix")
	work := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var out, errb strings.Builder
	code := run(t.Context(), []string{"build", app, "--no-out-link", "--timings"}, &out, &errb)
	if code != 0 || !strings.Contains(errb.String(), "helm: 1 charts rendered, 0 from the cache") {
		t.Fatalf("first build: exit %d\n%s", code, errb.String())
	}
	first := out.String()
	errb.Reset()
	out.Reset()
	t.Chdir(work)
	code = run(t.Context(), []string{"build", app, "--no-out-link", "--timings"}, &out, &errb)
	if code != 0 || !strings.Contains(errb.String(), "helm: 0 charts rendered, 1 from the cache") {
		t.Fatalf("second build: exit %d\n%s", code, errb.String())
	}
	if out.String() != first {
		t.Errorf("cached build gave %s, first %s", out.String(), first)
	}
}

func TestHelmErrors(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, call string
		want       []string
	}{
		{"template error", `chart = "` + testChart(t, "broken-template") + `"; name = "b";`, []string{
			testChart(t, "broken-template") + "/templates/configmap.yaml:6:",
			"error: chart broken-template: ",
			"nil pointer evaluating interface {}.deeply",
			"in .app", "see also app.nix:2:30",
		}},
		{"required value", `chart = "` + testChart(t, "needs-value") + `"; name = "n";`, []string{
			testChart(t, "needs-value") + "/templates/deployment.yaml:6:",
			"database.host must be set", "hint: set the value the chart requires in values",
		}},
		{"values schema", `chart = "` + testChart(t, "shop") + `"; name = "s"; values.replicas = "many";`, []string{
			testChart(t, "shop") + "/values.schema.json: error: chart shop: values do not match shop/values.schema.json",
			"replicas", "integer",
		}},
		{"aliased subchart's schema", `chart = "` + testChart(t, "umbrella") + `"; name = "u"; values.main.port = "x";`, []string{
			testChart(t, "umbrella") + "/charts/strict/values.schema.json: error: chart main: values do not match umbrella/charts/strict/values.schema.json",
			"/port", "see also app.nix:2:",
		}},
		{"rendered text is not YAML", `chart = "` + testChart(t, "bad-yaml") + `"; name = "b";`, []string{
			testChart(t, "bad-yaml") + "/templates/cm.yaml: error: chart bad-yaml: YAML parse error on bad-yaml/templates/cm.yaml",
			"mapping values are not allowed", "see also app.nix:2:30",
		}},
		{"key written twice", `chart = "` + testChart(t, "dup-key") + `"; name = "d";`, []string{
			testChart(t, "dup-key") + `/templates/x.yaml:12:3: error: chart dup-key: duplicate key "port": it is also at line 11`,
			"see also app.nix:2:30",
		}},
		{"missing chart", `chart = ./no-such-chart; name = "m";`, []string{
			"app.nix:2:30: error: chart " + dir + "/no-such-chart does not exist", "in .app",
		}},
		{"not a chart", `chart = "` + testChart(t, "not-a-chart") + `"; name = "m";`, []string{"is not a Helm chart: it has no Chart.yaml"}},
		{"kube version", `chart = "` + testChart(t, "old-kube") + `"; name = "o";`, []string{"chart requires kubeVersion: <1.20.0 which is incompatible with Kubernetes v1.37.0"}},
		{"missing dependency", `chart = "` + testChart(t, "missing-dep") + `"; name = "m";`, []string{"missing in charts/ directory: postgresql", "hint: vendor the dependencies"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, filepath.Join(dir, "app.nix"), "{ kubenix }: {\n  app = kubenix.helm.chart { "+tc.call+" };\n}\n")
			r := kubenix(t, dir, "build", "app.nix", "--no-out-link")
			if r.code != 1 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("missing %q in:\n%s", w, r.stderr)
				}
			}
		})
	}
}

// Validation errors on rendered objects name the chart's template and the
// kubenix.helm.chart call, from a fresh render and from the cache alike.
func TestHelmValidationNamesTemplate(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	chart, _ := filepath.Abs(filepath.Join(repoRoot(t), "examples", "helm", "charts", "webapp"))
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }:
let
  web = kubenix.helm.chart {
    chart = "`+chart+`"; name = "w"; values.image.pullPolicy = "Sometimes";
  };
in { inherit web; }`)
	want := chart + `/templates/deployment.yaml: error: Deployment/default/w-webapp: spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes"`
	for _, run := range []string{"rendered", "cached"} {
		r := kubenix(t, dir, "build", "app.nix", "--no-out-link")
		if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "in .web[2]") || !strings.Contains(r.stderr, "see also app.nix:4:5") {
			t.Errorf("%s: exit %d, want %q, in .web[2] and see also app.nix:4:5 in:\n%s", run, r.code, want, r.stderr)
		}
	}
}

func TestHelmNondeterminism(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: { r = kubenix.helm.chart { chart = "`+testChart(t, "random")+`"; name = "r"; }; }`)
	// The chart generates a password: a Secret in plain text.
	r := kubenix(t, dir, "build", "app.nix", "--no-out-link", "--allow-plaintext-secrets")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: chart random (release r) renders differently each time: random/templates/secret.yaml") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	r = kubenix(t, dir, "build", "app.nix", "--no-out-link", "--strict", "--allow-plaintext-secrets")
	if r.code != 1 || !strings.Contains(r.stderr, "the chart renders differently each time") {
		t.Errorf("--strict: exit %d\n%s", r.code, r.stderr)
	}
}

// The chart's namespace goes to namespaced objects only, including custom
// resources whose CRD comes from the chart itself.
func TestHelmNamespaces(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: {
  shop = kubenix.helm.chart { chart = "`+testChart(t, "shop")+`"; name = "shop"; namespace = "prod"; values.image.tag = "2"; };
}`)
	r := kubenix(t, dir, "build", "app.nix", "--out-dir", "out", "-n", "elsewhere").mustSucceed(t)
	_ = r
	files := readTree(t, filepath.Join(dir, "out"))
	for name := range files {
		switch {
		case strings.Contains(name, "customresourcedefinition"):
			if strings.Contains(files[name], "namespace:") {
				t.Errorf("%s: a CRD has no namespace", name)
			}
		case strings.HasPrefix(name, "0500-widget-"):
			if !strings.Contains(name, "-prod-") {
				t.Errorf("%s: the custom resource belongs in the release namespace", name)
			}
		}
	}
	if _, ok := files["0280-deployment-prod-shop-shop.yaml"]; !ok {
		t.Errorf("files: %v", keys(files))
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "0250-pod-prod-shop-shop-test.yaml")); err != nil {
		t.Errorf("the test hook is rendered by default: %v", keys(files))
	}
}

// A corrupt cache entry is not used: the chart is rendered again.
func TestHelmCorruptCacheEntryIsRenderedAgain(t *testing.T) {
	requireNix(t)
	app := filepath.Join(repoRoot(t), "examples", "helm", "app.nix")
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	build := func() string {
		var out, errb strings.Builder
		if code := run(t.Context(), []string{"eval", app}, &out, &errb); code != 0 {
			t.Fatalf("exit %d\n%s", code, errb.String())
		}
		return out.String()
	}
	first := build()
	entries, _ := filepath.Glob(filepath.Join(cache, "kubenix", "helm-renders", "*", "*.objects.json"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	b, _ := os.ReadFile(entries[0])
	os.WriteFile(entries[0], []byte(strings.Replace(string(b), "storefront", "tampered", 1)), 0o644)
	if got := build(); got != first || strings.Contains(got, "tampered") {
		t.Fatalf("the tampered entry was used:\n%s", got)
	}
	if b2, _ := os.ReadFile(entries[0]); string(b2) != string(b) {
		t.Error("the entry was not rendered again")
	}
}

// Floats in values reach Helm exactly (Nix 2.8's JSON would print
// 12.3456789 as 12.3457), and so do float fields of plain objects; two
// renders that differ only in a float's 7th digit are not one cache entry.
func TestHelmValuesCarryFloatsExactly(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	app := func(ratio string) {
		writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: {
  b = kubenix.helm.chart { chart = "`+testChart(t, "blocks")+`"; name = "b"; values = { ratio = `+ratio+`; big = 1234567.5; }; };
  g = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "plain"; data.x = "y"; binaryData = { }; };
  hpa = { apiVersion = "autoscaling/v2"; kind = "HorizontalPodAutoscaler"; metadata.name = "h";
    spec = { scaleTargetRef = { apiVersion = "apps/v1"; kind = "Deployment"; name = "d"; }; maxReplicas = 3;
      metrics = [ { type = "Pods"; pods = { metric.name = "m"; target = { type = "AverageValue"; averageValue = 0.123456789; }; }; } ]; };
  };
}`)
	}
	app("12.3456789")
	r := kubenix(t, dir, "eval", "app.nix").mustSucceed(t)
	// What helm template -f values.json prints for these values.
	for _, want := range []string{`ratio: "12.3456789"`, `big: "1.2345675e+06"`, `averageValue: 0.123456789`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, r.stdout)
		}
	}
	app("12.3456788")
	if r := kubenix(t, dir, "eval", "app.nix").mustSucceed(t); !strings.Contains(r.stdout, `ratio: "12.3456788"`) {
		t.Errorf("a render cached under other values:\n%s", r.stdout)
	}
}

// A chart that renders documents that are not Kubernetes objects (a
// values dump, as in helm's issue-9027 test chart) fails with one error per
// document, at its template and line, naming the kubenix.helm.chart call;
// never one per value in it, never kubenix's own keys. Filtering them out
// in Nix, as the hint says, builds.
func TestHelmDocumentsThatAreNotObjects(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	chart := testChart(t, "not-objects")
	writeFile(t, filepath.Join(dir, "app.nix"), "{ kubenix }: {\n  app = kubenix.helm.chart { chart = \""+chart+"\"; name = \"dump\"; };\n}\n")
	notObject := ": error: chart not-objects renders a document that is not a Kubernetes object: it has no apiVersion and no kind"
	want := []string{
		chart + `/templates/half.yaml:1: error: kind: object has apiVersion "v1" but no kind`,
		chart + "/templates/values.yaml:1" + notObject,
		chart + "/templates/values.yaml:4" + notObject,
	}
	for _, run := range []string{"rendered", "cached"} {
		r := kubenix(t, dir, "build", "app.nix", "--no-out-link")
		var errs []string
		for _, l := range strings.Split(r.stderr, "\n") {
			if strings.Contains(l, ": error: ") {
				errs = append(errs, l)
			}
		}
		if r.code != 1 || strings.Join(errs, "\n") != strings.Join(want, "\n") ||
			strings.Count(r.stderr, "see also app.nix:2:30") != 3 || strings.Contains(r.stderr, "__kubenix") {
			t.Errorf("%s: exit %d, want exit 1 and exactly these errors, each with see also app.nix:2:30:\n%s\ngot:\n%s", run, r.code, strings.Join(want, "\n"), r.stderr)
		}
	}
	writeFile(t, filepath.Join(dir, "app.nix"), "{ kubenix }: {\n  app = builtins.filter (o: o ? kind) (kubenix.helm.chart { chart = \""+chart+"\"; name = \"dump\"; });\n}\n")
	if r := kubenix(t, dir, "build", "app.nix", "--no-out-link"); r.code != 0 || !strings.Contains(r.stderr, "kubenix: 1 objects written") {
		t.Errorf("filtered: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// What the Helm SDK logs (here: a user value that replaces a table of the
// chart's values) is a warning without a timestamp, said once although two
// releases of the chart say it.
func TestHelmLogIsAWarningSaidOnce(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeChart(t, dir, "c", "conf:\n  sub:\n    a: 1\n", map[string]string{
		"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  conf: {{ .Values.conf | quote }}\n"})
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: {
  one = kubenix.helm.chart { chart = ./c; name = "one"; values.conf.sub = "flat"; };
  two = kubenix.helm.chart { chart = ./c; name = "two"; values.conf.sub = "flat"; };
}
`)
	r := kubenix(t, dir, "check", "app.nix")
	const want = "warning: helm: cannot overwrite table with non table for c.conf.sub (map[a:1])\n"
	if r.code != 0 || strings.Count(r.stderr, want) != 1 || strings.Count(r.stderr, "cannot overwrite") != 1 {
		t.Errorf("exit %d; want 0 and once %q, got:\n%s", r.code, want, r.stderr)
	}
}
