package helmwrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/kubenix/kubenix/helmwrap/helmfidelity"
)

// The fidelity suite: charts generated from combinations of what real
// charts do (helmwrap/helmfidelity), each rendered by kubenix and by the helm
// CLI of the same Helm module with the same inputs, compared object by
// object and string by string. make test renders a bounded set;
// KUBENIX_HELM_FIDELITY_CHARTS=N (make helm-fidelity: 400) renders N,
// KUBENIX_HELM_FIDELITY_SEED=S starts at seed S, and
// KUBENIX_HELM_FIDELITY_KEEP=DIR writes the charts there to be kept.
func TestFidelityGeneratedCharts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the helm CLI")
	}
	count, first := fidelityEnv(t, "KUBENIX_HELM_FIDELITY_CHARTS", 60), fidelityEnv(t, "KUBENIX_HELM_FIDELITY_SEED", 1)
	dir := os.Getenv("KUBENIX_HELM_FIDELITY_KEEP") // to look at the charts after a failure
	if dir == "" {
		dir = t.TempDir()
	}
	rendered, failed := map[string]int{}, map[string]int{}
	charts, features, both := 0, 0, 0
	for seed := uint64(first); seed < uint64(first+count); seed++ {
		c, err := helmfidelity.Generate(dir, seed, 3+int(seed%6))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			ok := compareWithHelm(t, c)
			charts, features = charts+1, features+len(c.Features)
			if ok {
				both++
			}
			for _, f := range c.Features {
				name := f[strings.Index(f, ":")+1:]
				if ok {
					rendered[name]++
				} else {
					failed[name]++
				}
			}
		})
	}
	t.Logf("%d charts of %d features in all, each rendered by kubenix and helm template: %d rendered, %d failed", charts, features, both, charts-both)
	if count >= 60 && !t.Failed() {
		// No feature goes untested: each is in a chart both rendered.
		for _, f := range helmfidelity.Features {
			if rendered[f.Name] == 0 {
				t.Errorf("feature %s is in no chart that rendered (%d that failed): raise KUBENIX_HELM_FIDELITY_CHARTS", f.Name, failed[f.Name])
			}
		}
		for _, f := range []string{"required", "fail", "schema-ref"} {
			if failed[f] == 0 {
				t.Errorf("feature %s made no chart fail: its failure is not compared", f)
			}
		}
	}
}

func fidelityEnv(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// builtinAPIs caches BuiltinAPIVersions by Kubernetes version.
var builtinAPIs sync.Map

func apiVersionsOf(kubeVersion string) []string {
	if v, ok := builtinAPIs.Load(kubeVersion); ok {
		return v.([]string)
	}
	l := BuiltinAPIVersions(kubeVersion)
	builtinAPIs.Store(kubeVersion, l)
	return l
}

// compareWithHelm renders a generated chart with kubenix and with helm
// template and reports every difference; it returns whether both rendered.
func compareWithHelm(t *testing.T, c *helmfidelity.Chart) bool {
	t.Helper()
	b, err := json.Marshal(c.Values)
	if err != nil {
		t.Fatal(err)
	}
	valuesFile := filepath.Join(t.TempDir(), "values.json")
	if err := os.WriteFile(valuesFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Values as kubenix receives them from Nix (nixcall decodes them with
	// encoding/json: numbers are float64, as Helm reads a values file).
	var values map[string]any
	if err := json.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	chartPath := c.Dir
	if c.Seed%4 == 0 {
		// A chart archive, as helm package makes it, for every fourth.
		chrt, err := loader.Load(c.Dir)
		if err != nil {
			t.Fatal(err)
		}
		if chartPath, err = chartutil.Save(chrt, t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	o := RenderOptions{Chart: chartPath, Name: c.Release, Namespace: c.Namespace, Values: values, KubeVersion: c.KubeVersion,
		IncludeCRDs: c.IncludeCRDs, NoHooks: c.NoHooks, SkipTests: c.SkipTests, APIVersions: apiVersionsOf(c.KubeVersion)}
	what := fmt.Sprintf("chart %s (seed %d) with %s; kube %s, includeCRDs=%v noHooks=%v skipTests=%v; values %s",
		filepath.Base(chartPath), c.Seed, strings.Join(c.Features, " "), c.KubeVersion, c.IncludeCRDs, c.NoHooks, c.SkipTests, b)

	res, kerr := Render(context.Background(), o)
	bin, err := helmCLI()
	if err != nil {
		t.Fatalf("building helm: %v", err)
	}
	chrt, err := loader.Load(chartPath)
	if err != nil {
		t.Fatal(err)
	}
	// The chart's CRDs too: kubenix adds them, as a cluster with them has them.
	h := helmfidelity.Template{Release: o.Name, Chart: o.Chart, Namespace: o.Namespace, ValuesFile: valuesFile, KubeVersion: o.KubeVersion,
		APIVersions: append(slices.Clone(o.APIVersions), ChartCRDAPIVersions(chrt)...), IncludeCRDs: o.IncludeCRDs, NoHooks: o.NoHooks, SkipTests: o.SkipTests}
	out, herr := h.Run(bin, t.TempDir())
	switch {
	case kerr != nil && herr != nil:
		if msg := missingFromHelmError(kerr, herr.Error()); msg != "" {
			t.Errorf("%s\nboth fail, but helm does not say %q:\nkubenix: %v\nhelm:    %v", what, msg, kerr, herr)
		}
		t.Logf("both fail: %v", kerr)
		return false
	case kerr != nil:
		t.Errorf("%s\nkubenix fails, helm template renders it:\n%v", what, kerr)
		return false
	case herr != nil:
		t.Errorf("%s\nhelm template fails, kubenix renders it:\n%v", what, herr)
		return false
	}
	want, err := helmfidelity.ReadYAML(out)
	if err != nil {
		t.Fatalf("%s\nhelm output: %v\n%s", what, err, out)
	}
	got := map[string]helmfidelity.Object{}
	for _, r := range res.Objects {
		body, err := helmfidelity.Canonical(r.Object)
		if err != nil {
			t.Fatal(err)
		}
		got[helmfidelity.Key(body)] = helmfidelity.Object{Source: r.Template, Body: body}
	}
	for _, d := range helmfidelity.Diff(got, want) {
		t.Errorf("%s\n%s", what, d)
	}
	return true
}

// missingFromHelmError returns what kubenix's error says that helm's does
// not ("" when helm says it too): the message and, for a template error,
// the template and line.
func missingFromHelmError(kerr error, helm string) string {
	var te *TemplateError
	var ce *ChartError
	var ve *ValuesError
	switch {
	case errors.As(kerr, &te):
		if te.Line > 0 && !strings.Contains(helm, fmt.Sprintf("%s:%d", te.Template, te.Line)) {
			return fmt.Sprintf("%s:%d", te.Template, te.Line)
		}
		if !strings.Contains(helm, te.Msg) {
			return te.Msg
		}
	case errors.As(kerr, &ve):
		for _, line := range strings.Split(strings.TrimSpace(ve.Msg), "\n") {
			if !strings.Contains(helm, strings.TrimSpace(line)) {
				return strings.TrimSpace(line)
			}
		}
	case errors.As(kerr, &ce):
		if !strings.Contains(helm, ce.Msg) {
			return ce.Msg
		}
	default:
		return kerr.Error()
	}
	return ""
}
