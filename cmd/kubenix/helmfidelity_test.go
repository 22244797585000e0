package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/helmwrap/helmfidelity"
)

// Generated charts (helmwrap/helmfidelity) rendered as a user's build
// renders them: kubenix.helm.chart calls in one app.nix with the values
// written in Nix, built into --out-dir, and every object written compared
// with helm template's for the same inputs, string by string. Helm's
// values come from a JSON file, as -f gives them. make test builds 16
// charts, make helm-fidelity a quarter of KUBENIX_HELM_FIDELITY_CHARTS.
func TestHelmFidelityThroughBuild(t *testing.T) {
	requireNix(t)
	if testing.Short() {
		t.Skip("builds the helm CLI")
	}
	n, first := 16, uint64(1)
	if s := os.Getenv("KUBENIX_HELM_FIDELITY_CHARTS"); s != "" {
		c, err := strconv.Atoi(s)
		if err != nil || c < 1 {
			t.Fatalf("KUBENIX_HELM_FIDELITY_CHARTS=%q: want a positive number", s)
		}
		n = max(1, c/4)
	}
	if s := os.Getenv("KUBENIX_HELM_FIDELITY_SEED"); s != "" {
		f, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("KUBENIX_HELM_FIDELITY_SEED=%q: want a number", s)
		}
		first = f
	}
	bin, err := helmfidelity.HelmBin(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const kube = "1.37" // the build's: its API list is what charts see
	apis := helmwrap.BuiltinAPIVersions(kube)
	want := map[string]helmfidelity.Object{}
	var app strings.Builder
	var legend []string
	namespaces := map[string]any{} // by release
	app.WriteString("{ kubenix }: {\n")
	for seed := first; len(legend) < n && seed < first+uint64(10*n); seed++ {
		c, err := helmfidelity.Generate(dir, seed, 3+int(seed%6))
		if err != nil {
			t.Fatal(err)
		}
		c.Release, c.KubeVersion = fmt.Sprintf("r%d", seed), kube
		b, _ := json.Marshal(c.Values)
		values := filepath.Join(dir, fmt.Sprintf("values-%d.json", seed))
		writeFile(t, values, string(b))
		chrt, err := loader.Load(c.Dir) // not LoadChart: a chart kubenix refuses goes to helm too
		if err != nil {
			t.Fatal(err)
		}
		crds := helmwrap.ChartCRDAPIVersions(chrt)
		h := helmfidelity.Template{Release: c.Release, Chart: c.Dir, Namespace: c.Namespace, ValuesFile: values, KubeVersion: kube,
			APIVersions: append(append([]string{}, apis...), crds...), IncludeCRDs: c.IncludeCRDs, NoHooks: c.NoHooks, SkipTests: c.SkipTests}
		out, err := h.Run(bin, t.TempDir())
		if err != nil {
			continue // charts that fail are compared by helmwrap's suite
		}
		objs, err := helmfidelity.ReadYAML(out)
		if err != nil {
			t.Fatalf("seed %d: helm output: %v", seed, err)
		}
		for k, o := range objs {
			// kubectl applies a List as its items, and kubenix writes them
			// (README: Writing Nix for kubenix).
			m := o.Body.(map[string]any)
			if items, ok := m["items"].([]any); ok && strings.HasSuffix(fmt.Sprint(m["kind"]), "List") {
				for _, item := range items {
					want[helmfidelity.Key(item)] = helmfidelity.Object{Source: o.Source, Body: item}
				}
				continue
			}
			want[k] = o
		}
		namespaces[c.Release] = c.Namespace
		legend = append(legend, fmt.Sprintf("%s (seed %d, namespace %s, includeCRDs=%v noHooks=%v skipTests=%v): %s; values %s",
			c.Release, seed, c.Namespace, c.IncludeCRDs, c.NoHooks, c.SkipTests, strings.Join(c.Features, " "), b))
		fmt.Fprintf(&app, "  c%d = kubenix.helm.chart { chart = %s; name = %q; namespace = %q; includeCRDs = %v; noHooks = %v; skipTests = %v;\n    values = %s; };\n",
			seed, nixValue(c.Dir), c.Release, c.Namespace, c.IncludeCRDs, c.NoHooks, c.SkipTests, nixValue(c.Values))
	}
	app.WriteString("}\n")
	writeFile(t, filepath.Join(dir, "app.nix"), app.String())
	out := filepath.Join(dir, "out")
	kubenix(t, dir, "build", "app.nix", "--out-dir", out, "--kube-version", kube, "--allow-plaintext-secrets", "--allow-unknown-kinds").mustSucceed(t)

	got := map[string]helmfidelity.Object{}
	files, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := helmfidelity.ReadYAML(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			// kubenix sets the release namespace on namespaced kinds,
			// which helm template leaves to the API server (README).
			meta := o.Body.(map[string]any)["metadata"].(map[string]any)
			release, _, _ := strings.Cut(fmt.Sprint(meta["name"]), "-")
			if ns, ok := meta["namespace"]; ok && ns == namespaces[release] {
				delete(meta, "namespace")
				if _, ok := want[helmfidelity.Key(o.Body)]; !ok {
					meta["namespace"] = ns
				}
			}
			got[helmfidelity.Key(o.Body)] = o
		}
	}
	if diffs := helmfidelity.Diff(got, want); len(diffs) > 0 {
		t.Errorf("kubenix build and helm template differ:\n%s\n\nthe charts:\n%s", strings.Join(diffs, "\n"), strings.Join(legend, "\n"))
	}
	t.Logf("%d charts, %d objects built and compared", len(legend), len(want))
}

// nixValue writes a value as a Nix expression, as a user would write it:
// integers as integers, floats with a point.
func nixValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			panic("no Nix literal for " + fmt.Sprint(t))
		}
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if mant, exp, ok := strings.Cut(s, "e"); ok {
			if !strings.Contains(mant, ".") {
				mant += ".0"
			}
			return mant + "e" + exp
		}
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	case string:
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
		return `"` + r.Replace(t) + `"`
	case []any:
		var parts []string
		for _, e := range t {
			parts = append(parts, "("+nixValue(e)+")")
		}
		return "[ " + strings.Join(parts, " ") + " ]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{ ")
		for _, k := range keys {
			fmt.Fprintf(&b, "%s = %s; ", nixValue(k), nixValue(t[k]))
		}
		return b.String() + "}"
	}
	panic(fmt.Sprintf("no Nix literal for %T", v))
}

// An integer past int64 (what YAML's 12345678901234567890 is to kubectl:
// the float 1.2345678901234567e19) keeps its value through Nix, from a
// chart and from fromYAML, instead of wrapping to a negative integer.
func TestIntegersPastInt64ReachTheOutput(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeChart(t, dir, "big", "", map[string]string{"x.yaml": "apiVersion: example.com/v1\nkind: Big\nmetadata:\n  name: chart\nspec:\n  u64: 12345678901234567890\n  neg: -12345678901234567890\n  max: 9223372036854775807\n"})
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: {
  chart = kubenix.helm.chart { chart = ./big; name = "b"; };
  yaml = kubenix.fromYAML "apiVersion: example.com/v1\nkind: Big\nmetadata:\n  name: yaml\nspec:\n  u64: 12345678901234567890\n";
}
`)
	r := kubenix(t, dir, "eval", "app.nix", "--allow-unknown-kinds", "-o", "json").mustSucceed(t)
	out := strings.Join(strings.Fields(r.stdout), "")
	for _, want := range []string{`"neg":-12345678901234567000`, `"max":9223372036854775807`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, r.stdout)
		}
	}
	if strings.Count(out, `"u64":12345678901234567000`) != 2 {
		t.Errorf("want the chart's and fromYAML's u64 as 12345678901234567000:\n%s", r.stdout)
	}
}

// A string with a NUL character (YAML's "\0") cannot pass through Nix,
// which would cut it there: a chart or fromYAML that makes one is an error
// naming the template, the object and the field, never a shorter string.
func TestNULCharactersAreRefused(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeChart(t, dir, "nul", "", map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nul\ndata:\n  ok: fine\n  k: \"before\\0after\"\n"})
	for app, want := range map[string]string{
		`{ kubenix }: { c = kubenix.helm.chart { chart = ./nul; name = "n"; }; }`: "nul/templates/x.yaml:1: error: chart nul: ConfigMap/nul: data.k has a NUL character, which a Nix string cannot hold",
		`{ kubenix }: { c = kubenix.fromYAML "a: [1, \"\\0\"]"; }`:                "app.nix:1:20: error: fromYAML: document 1: a[1] has a NUL character",
	} {
		writeFile(t, filepath.Join(dir, "app.nix"), app+"\n")
		if r := kubenix(t, dir, "eval", "app.nix"); r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s%s", app, r.code, want, r.stdout, r.stderr)
		}
	}
}

// The items of a List a chart renders are the chart's objects: they land
// in the release namespace, not the build's default one, as helm install
// would put them.
func TestChartListItemsTakeTheReleaseNamespace(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeChart(t, dir, "list", "", map[string]string{"x.yaml": "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: item\n"})
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: { c = kubenix.helm.chart { chart = ./list; name = "l"; namespace = "prod"; }; }`+"\n")
	r := kubenix(t, dir, "eval", "app.nix", "-o", "json").mustSucceed(t)
	if out := strings.Join(strings.Fields(r.stdout), ""); !strings.Contains(out, `"name":"item","namespace":"prod"`) {
		t.Errorf("want ConfigMap/prod/item:\n%s", r.stdout)
	}
}
