package helmwrap

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/helmwrap/internal/chartgen"
	"github.com/kubenix/kubenix/manifest"
)

// The fidelity suite: charts generated from combinations of what real
// charts do (internal/chartgen), each rendered by kubenix and by the helm
// CLI of the same Helm module with the same inputs, compared object by
// object and string by string. make test renders a bounded set;
// KUBENIX_HELM_FIDELITY_CHARTS=N (make helm-fidelity: 400) renders N,
// KUBENIX_HELM_FIDELITY_SEED=S starts at seed S, and
// KUBENIX_HELM_FIDELITY_KEEP=DIR writes the charts there to be kept.
func TestFidelityGeneratedCharts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the helm CLI")
	}
	count, first := fidelityEnv(t, "KUBENIX_HELM_FIDELITY_CHARTS", 40), fidelityEnv(t, "KUBENIX_HELM_FIDELITY_SEED", 1)
	dir := os.Getenv("KUBENIX_HELM_FIDELITY_KEEP") // to look at the charts after a failure
	if dir == "" {
		dir = t.TempDir()
	}
	rendered, failed := map[string]int{}, map[string]int{}
	charts, features := 0, 0
	for seed := uint64(first); seed < uint64(first+count); seed++ {
		c, err := chartgen.Generate(dir, seed, 3+int(seed%6))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			ok := compareWithHelm(t, c)
			charts, features = charts+1, features+len(c.Features)
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
	t.Logf("%d charts, %d features rendered by kubenix and helm template", charts, features)
	if count >= 40 && !t.Failed() {
		// No feature goes untested: each is in a chart both rendered.
		for _, f := range chartgen.Features {
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

// renderedObject is one object of a render, by the template it came from.
type renderedObject struct {
	source string
	body   any // canonical: as manifest.DecodeJSON reads its JSON
}

// compareWithHelm renders a generated chart with kubenix and with helm
// template and reports every difference; it returns whether both rendered.
func compareWithHelm(t *testing.T, c *chartgen.Chart) bool {
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
	o := RenderOptions{Chart: c.Dir, Name: c.Release, Namespace: c.Namespace, Values: values, KubeVersion: c.KubeVersion,
		IncludeCRDs: c.IncludeCRDs, NoHooks: c.NoHooks, SkipTests: c.SkipTests, APIVersions: apiVersionsOf(c.KubeVersion)}
	what := fmt.Sprintf("chart %s (seed %d) with %s; kube %s, includeCRDs=%v noHooks=%v skipTests=%v; values %s",
		filepath.Base(c.Dir), c.Seed, strings.Join(c.Features, " "), c.KubeVersion, c.IncludeCRDs, c.NoHooks, c.SkipTests, b)

	res, kerr := Render(context.Background(), o)
	out, herr := runHelmTemplate(t, o, valuesFile)
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
	want, err := helmObjects(out)
	if err != nil {
		t.Fatalf("%s\nhelm output: %v\n%s", what, err, out)
	}
	got := map[string]renderedObject{}
	for _, r := range res.Objects {
		j, err := json.Marshal(r.Object)
		if err != nil {
			t.Fatal(err)
		}
		body, err := manifest.DecodeJSON(j)
		if err != nil {
			t.Fatal(err)
		}
		got[objectKey(body)] = renderedObject{source: r.Template, body: body}
	}
	for _, k := range sortedKeys(got, want) {
		g, inG := got[k]
		w, inW := want[k]
		switch {
		case !inW:
			t.Errorf("%s\n%s (from %s): kubenix renders it, helm template does not", what, k, g.source)
		case !inG:
			t.Errorf("%s\n%s (from %s): helm template renders it, kubenix does not", what, k, w.source)
		default:
			if g.source != w.source {
				t.Errorf("%s\n%s: kubenix says it comes from %s, helm from %s", what, k, g.source, w.source)
			}
			if diffs := valueDiffs("", g.body, w.body); len(diffs) > 0 {
				t.Errorf("%s\n%s (from %s) differs:\n  %s", what, k, w.source, strings.Join(diffs, "\n  "))
			}
		}
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

// runHelmTemplate runs `helm template` with the options kubenix got: the
// same values file, Kubernetes version and API list (the built-in one and
// the chart's CRDs, which kubenix adds as a cluster with them would).
func runHelmTemplate(t *testing.T, o RenderOptions, valuesFile string) ([]byte, error) {
	t.Helper()
	bin, err := helmCLI()
	if err != nil {
		t.Fatalf("building helm: %v", err)
	}
	args := []string{"template", o.Name, o.Chart, "--namespace", o.Namespace, "--kube-version", "v" + o.KubeVersion + ".0", "-f", valuesFile}
	if o.IncludeCRDs {
		args = append(args, "--include-crds")
	}
	if o.NoHooks {
		args = append(args, "--no-hooks")
	}
	if o.SkipTests {
		args = append(args, "--skip-tests")
	}
	c, err := loader.Load(o.Chart)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range append(slices.Clone(o.APIVersions), ChartCRDAPIVersions(c)...) {
		args = append(args, "--api-versions", a)
	}
	cmd := exec.Command(bin, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// helmObjects reads helm template's output as kubectl reads it (documents
// split at "---" lines, each document's text untouched), each object with
// the "# Source:" it is printed under.
func helmObjects(out []byte) (map[string]renderedObject, error) {
	objs := map[string]renderedObject{}
	source := ""
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		d, err := r.Read()
		if err == io.EOF {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		// The reader keeps a "---" line that starts a document: the
		// "# Source:" comment is the first line that is not one.
		for _, line := range strings.Split(string(d), "\n") {
			if s, ok := strings.CutPrefix(line, "# Source: "); ok {
				source = s
			}
			if strings.TrimSpace(line) != "---" {
				break
			}
		}
		j, err := sigsyaml.YAMLToJSON(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		if string(j) == "null" {
			continue
		}
		body, err := manifest.DecodeJSON(j)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		k := objectKey(body)
		if _, dup := objs[k]; dup {
			return nil, fmt.Errorf("%s: %s twice", source, k)
		}
		objs[k] = renderedObject{source: source, body: body}
	}
}

func objectKey(body any) string {
	m, _ := body.(map[string]any)
	meta, _ := m["metadata"].(map[string]any)
	return fmt.Sprintf("%v %v %v/%v", m["apiVersion"], m["kind"], meta["namespace"], meta["name"])
}

func sortedKeys(a, b map[string]renderedObject) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// valueDiffs lists the fields where kubenix's value (got) and helm's
// (want) differ, each with its path and, for strings, the first place
// they differ.
func valueDiffs(path string, got, want any) []string {
	if path == "" {
		path = "."
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: kubenix %s, helm %s", path, short(got), short(want))}
		}
		var out []string
		for _, k := range sortedMapKeys(g, w) {
			p := strings.TrimSuffix(path, ".") + "." + k
			gv, inG := g[k]
			wv, inW := w[k]
			switch {
			case !inG:
				out = append(out, fmt.Sprintf("%s: missing in kubenix's, helm has %s", p, short(wv)))
			case !inW:
				out = append(out, fmt.Sprintf("%s: kubenix has %s, missing in helm's", p, short(gv)))
			default:
				out = append(out, valueDiffs(p, gv, wv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: kubenix %s, helm %s", path, short(got), short(want))}
		}
		var out []string
		for i := range w {
			out = append(out, valueDiffs(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])...)
		}
		return out
	case string:
		g, ok := got.(string)
		if !ok {
			return []string{fmt.Sprintf("%s: kubenix %s, helm %s", path, short(got), short(want))}
		}
		if g != w {
			return []string{path + ": " + stringDiff(g, w)}
		}
		return nil
	default:
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if !bytes.Equal(gj, wj) {
			return []string{fmt.Sprintf("%s: kubenix %s, helm %s", path, gj, wj)}
		}
		return nil
	}
}

func sortedMapKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// stringDiff shows where two strings first differ, with some context.
func stringDiff(got, want string) string {
	p := 0
	for p < len(got) && p < len(want) && got[p] == want[p] {
		p++
	}
	s := 0
	for s < len(got)-p && s < len(want)-p && got[len(got)-1-s] == want[len(want)-1-s] {
		s++
	}
	from := max(0, p-20)
	return fmt.Sprintf("differ at byte %d (of %d and %d): …%q[kubenix %q | helm %q]%q…",
		p, len(got), len(want), got[from:p], got[p:len(got)-s], want[p:len(want)-s], got[len(got)-s:min(len(got), len(got)-s+20)])
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}
