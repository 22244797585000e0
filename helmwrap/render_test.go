package helmwrap

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/manifest"
)

func chartDir(name string) string {
	return filepath.Join("testdata", "charts", name)
}

func shopOptions() RenderOptions {
	return RenderOptions{Chart: chartDir("shop"), Name: "shop", Namespace: "prod", IncludeCRDs: true, KubeVersion: "1.37",
		Values: map[string]any{"image": map[string]any{"tag": "2.0"}}, APIVersions: BuiltinAPIVersions("1.37")}
}

// helmCLI is the helm command built from the same Helm module version
// kubenix renders with (tools/helm): the reference for fidelity. make test
// passes its path in KUBENIX_HELM_BIN; otherwise scripts/helm-bin.sh builds
// it (once; it is cached).
var helmCLI = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("KUBENIX_HELM_BIN"); bin != "" {
		return bin, nil
	}
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join("..", "scripts", "helm-bin.sh"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/helm-bin.sh: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
})

// The helm CLI of tools/helm is built from the modules kubenix renders
// with: every module both go.mod files name is at the same version.
func TestHelmToolModuleMatchesKubenix(t *testing.T) {
	versions := func(path string) map[string]string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			switch f := strings.Fields(line); {
			case !strings.HasPrefix(line, "\t"):
			case len(f) == 4 && f[1] == "=>": // a replace directive: the version built
				out[f[0]] = f[3]
			case len(f) >= 2 && out[f[0]] == "":
				out[f[0]] = f[1]
			}
		}
		return out
	}
	main, tool := versions(filepath.Join("..", "go.mod")), versions(filepath.Join("..", "tools", "helm", "go.mod"))
	if tool["helm.sh/helm/v3"] == "" || tool["helm.sh/helm/v3"] != main["helm.sh/helm/v3"] {
		t.Errorf("tools/helm builds helm %q, kubenix renders with %q", tool["helm.sh/helm/v3"], main["helm.sh/helm/v3"])
	}
	for mod, v := range main {
		if tv, ok := tool[mod]; ok && tv != v {
			t.Errorf("%s: kubenix uses %s, tools/helm %s (align tools/helm/go.mod: go get %s@%s)", mod, v, tv, mod, v)
		}
	}
}

// helmTemplate runs `helm template` with the options kubenix got.
func helmTemplate(t *testing.T, o RenderOptions) []string {
	t.Helper()
	bin, err := helmCLI()
	if err != nil {
		t.Fatalf("building helm: %v", err)
	}
	values := filepath.Join(t.TempDir(), "values.json")
	b, _ := json.Marshal(o.Values)
	os.WriteFile(values, b, 0o644)
	args := []string{"template", o.Name, o.Chart, "--namespace", o.Namespace, "--kube-version", "v" + o.KubeVersion + ".0", "-f", values}
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
	for _, a := range append(o.APIVersions, ChartCRDAPIVersions(c)...) {
		args = append(args, "--api-versions", a)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr.String())
	}
	// Read as kubectl reads it: documents split at "---" lines, each
	// document's text (and its final newline) untouched.
	var docs []string
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		d, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("helm output: %v", err)
		}
		j, err := sigsyaml.YAMLToJSON(d)
		if err != nil {
			t.Fatalf("helm output: %v", err)
		}
		if string(j) == "null" {
			continue
		}
		docs = append(docs, canonical(t, j))
	}
	slices.Sort(docs)
	return docs
}

func canonical(t *testing.T, j []byte) string {
	v, err := manifest.DecodeJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func kubenixTemplate(t *testing.T, o RenderOptions) []string {
	t.Helper()
	res, err := Render(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, r := range res.Objects {
		b, _ := json.Marshal(r.Object)
		docs = append(docs, string(b))
	}
	slices.Sort(docs)
	return docs
}

// The same objects as `helm template`, for the same inputs.
func TestRenderMatchesHelmTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the helm CLI")
	}
	variants := map[string]func(*RenderOptions){
		"defaults": func(*RenderOptions) {},
		"values": func(o *RenderOptions) {
			o.Values["replicas"] = int64(5)
			o.Values["cache"] = map[string]any{"enabled": false}
		},
		"kube-1.30":  func(o *RenderOptions) { o.KubeVersion, o.APIVersions = "1.30", BuiltinAPIVersions("1.30") },
		"no-hooks":   func(o *RenderOptions) { o.NoHooks = true },
		"skip-tests": func(o *RenderOptions) { o.SkipTests = true },
		"no-crds":    func(o *RenderOptions) { o.IncludeCRDs = false },
		"api-versions": func(o *RenderOptions) {
			o.APIVersions = append(o.APIVersions, "example.com/v1", "example.com/v1/Widget")
		},
		"helm-defaults": func(o *RenderOptions) { o.APIVersions = nil },
		"other-release": func(o *RenderOptions) { o.Name, o.Namespace = "store", "staging" },
	}
	for name, change := range variants {
		t.Run(name, func(t *testing.T) {
			o := shopOptions()
			change(&o)
			got, want := kubenixTemplate(t, o), helmTemplate(t, o)
			if !slices.Equal(got, want) {
				t.Errorf("kubenix and helm template differ\nkubenix:\n%s\nhelm:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func blocksOptions() RenderOptions {
	return RenderOptions{Chart: chartDir("blocks"), Name: "b", Namespace: "prod", IncludeCRDs: true, KubeVersion: "1.37",
		Values: map[string]any{}, APIVersions: BuiltinAPIVersions("1.37")}
}

// Block scalars, multi-document templates and crds/ files come out string
// for string as `helm template` prints them (whitespace included).
func TestRenderBlocksMatchesHelmTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the helm CLI")
	}
	o := blocksOptions()
	got, want := kubenixTemplate(t, o), helmTemplate(t, o)
	if !slices.Equal(got, want) {
		t.Errorf("kubenix and helm template differ\nkubenix:\n%s\nhelm:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// What widely used charts do (tpl, toYaml | nindent, a library chart,
// global values, import-values, tags, conditions, aliases, .Files.Glob,
// Capabilities checks, lookup, a schema with a $ref inside the chart, a
// checksum of another template), string for string as `helm template`.
func TestRenderPatternsMatchesHelmTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the helm CLI")
	}
	variants := map[string]map[string]any{
		"defaults":   {},
		"extras":     {"tags": map[string]any{"extras": true}},
		"no metrics": {"metrics": map[string]any{"enabled": false}},
		"values": {
			"nameOverride":   "store",
			"podAnnotations": map[string]any{"example.com/restart": "2"},
			"config":         map[string]any{"log": map[string]any{"level": "debug"}, "listen": ":9090"},
			"greeting":       "{{ .Chart.Name }}: {{ .Values.config.listen }}\n",
		},
	}
	for name, values := range variants {
		t.Run(name, func(t *testing.T) {
			o := RenderOptions{Chart: chartDir("patterns"), Name: "p", Namespace: "shop", KubeVersion: "1.37", Values: values, APIVersions: BuiltinAPIVersions("1.37")}
			if got, want := kubenixTemplate(t, o), helmTemplate(t, o); !slices.Equal(got, want) {
				t.Errorf("kubenix and helm template differ\nkubenix:\n%s\nhelm:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	o := RenderOptions{Chart: chartDir("patterns"), Name: "p", Namespace: "shop", KubeVersion: "1.37",
		Values: map[string]any{"schemaChecked": map[string]any{"port": 70000}}}
	if _, err := Render(context.Background(), o); err == nil || !strings.Contains(err.Error(), "patterns/values.schema.json") {
		t.Errorf("a port over the $ref'd maximum: %v", err)
	}
}

// A block scalar that ends a document keeps its final newline, as Helm
// writes it: config files and scripts are not changed by the trip.
func TestRenderKeepsFinalNewlines(t *testing.T) {
	objs := objectsByName(t, blocksOptions())
	data := func(name string) map[string]any { return objs["ConfigMap/"+name].Object["data"].(map[string]any) }
	for _, c := range []struct{ name, key, want string }{
		{"b-first", "script.sh", "#!/bin/sh\necho first\n"},
		{"b-ini", "grafana.ini", "[server]\nport = 3000\n"},
		{"b-keep", "strip", "no newline"},
		{"b-keep", "kept", "kept lines\n"},
	} {
		if got := data(c.name)[c.key]; got != c.want {
			t.Errorf("%s data.%s = %q, want %q", c.name, c.key, got, c.want)
		}
	}
	if got := objs["CustomResourceDefinition/apples.example.com"].Object["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)["description"]; got != "A Apple.\n" {
		t.Errorf("a CRD's block scalar before the next document: %q", got)
	}
}

// The CRDs of one crds/ file come back in the file's order, every time.
func TestRenderCRDsInFileOrder(t *testing.T) {
	for range 5 {
		res, err := Render(context.Background(), blocksOptions())
		if err != nil {
			t.Fatal(err)
		}
		var crds []string
		for _, r := range res.Objects {
			if r.Object["kind"] == "CustomResourceDefinition" {
				crds = append(crds, r.Object["metadata"].(map[string]any)["name"].(string))
			}
		}
		want := []string{"zebras.example.com", "apples.example.com", "mangos.example.com", "kiwis.example.com", "bananas.example.com"}
		if !slices.Equal(crds, want) {
			t.Fatalf("CRDs %v, want the file's order %v", crds, want)
		}
	}
}

func umbrellaOptions(values map[string]any) RenderOptions {
	return RenderOptions{Chart: chartDir("umbrella"), Name: "u", Namespace: "prod", KubeVersion: "1.37", Values: values}
}

// A disabled subchart is not validated against its values.schema.json (Helm
// removes disabled dependencies first, validates after); an aliased one is
// validated under its alias; a violation names the subchart's schema.
func TestRenderSubchartSchemas(t *testing.T) {
	if !testing.Short() {
		o := umbrellaOptions(map[string]any{})
		if got, want := kubenixTemplate(t, o), helmTemplate(t, o); !slices.Equal(got, want) {
			t.Errorf("kubenix and helm template differ\nkubenix:\n%s\nhelm:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	for _, c := range []struct {
		name   string
		values map[string]any
		chart  string // "" when the render succeeds
		msg    string
	}{
		{"disabled subchart with values its schema rejects", map[string]any{"strict": map[string]any{"port": "not a number"}}, "", ""},
		{"aliased subchart", map[string]any{"main": map[string]any{"port": "x"}}, "main", "/port"},
		{"enabled again", map[string]any{"strict": map[string]any{"enabled": true}}, "strict", "missing property 'host'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Render(context.Background(), umbrellaOptions(c.values))
			if c.chart == "" {
				if err != nil {
					t.Fatalf("helm renders this; kubenix: %v", err)
				}
				return
			}
			var ve *ValuesError
			if !errors.As(err, &ve) || ve.Chart != c.chart || ve.Schema != "umbrella/charts/strict/values.schema.json" || !strings.Contains(ve.Msg, c.msg) {
				t.Fatalf("want a values error of %s at umbrella/charts/strict/values.schema.json saying %q, got %#v", c.chart, c.msg, err)
			}
		})
	}
}

func objectsByName(t *testing.T, o RenderOptions) map[string]Rendered {
	t.Helper()
	res, err := Render(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Rendered{}
	for _, r := range res.Objects {
		out[r.Object["kind"].(string)+"/"+r.Object["metadata"].(map[string]any)["name"].(string)] = r
	}
	return out
}

func TestRenderReleaseAndCapabilities(t *testing.T) {
	objs := objectsByName(t, shopOptions())
	cm := objs["ConfigMap/shop-shop-release"]
	data := cm.Object["data"].(map[string]any)
	for k, want := range map[string]string{
		"name": "shop", "namespace": "prod", "revision": "1", "isInstall": "true", "isUpgrade": "false",
		"kubeVersion": "v1.37.0", "kubeMinor": "37", "hasWidgets": "true",
		"greeting": "hello from shop", "files": "welcome to the shop",
	} {
		if data[k] != want {
			t.Errorf("data.%s = %v, want %q", k, data[k], want)
		}
	}
	if cm.Template != "shop/templates/configmap.yaml" {
		t.Errorf("template %q", cm.Template)
	}
	dep := objs["Deployment/shop-shop"].Object
	ann := dep["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["annotations"].(map[string]any)
	if ann["kubenix.test/lookup-found"] != "no" {
		t.Errorf("lookup must find nothing: %v", ann)
	}
	for _, name := range []string{"CustomResourceDefinition/widgets.example.com", "Job/shop-shop-migrate", "Pod/shop-shop-test",
		"StatefulSet/shop-cache", "PodDisruptionBudget/shop-shop", "Widget/shop-small"} {
		if _, ok := objs[name]; !ok {
			t.Errorf("%s missing from the render", name)
		}
	}
	if !objs["Job/shop-shop-migrate"].Hook {
		t.Error("the migrate job is a hook")
	}
	for name, r := range objs {
		if strings.Contains(mustJSON(r.Object), "must never reach the output") {
			t.Errorf("%s: NOTES.txt rendered", name)
		}
	}
	o := shopOptions()
	o.NoHooks, o.IncludeCRDs = true, false
	objs = objectsByName(t, o)
	if _, ok := objs["Job/shop-shop-migrate"]; ok {
		t.Error("noHooks must drop hooks")
	}
	if _, ok := objs["CustomResourceDefinition/widgets.example.com"]; ok {
		t.Error("includeCRDs = false must drop crds/")
	}
	o = shopOptions()
	o.SkipTests = true
	objs = objectsByName(t, o)
	if _, ok := objs["Pod/shop-shop-test"]; ok {
		t.Error("skipTests must drop test hooks")
	}
	if _, ok := objs["Job/shop-shop-migrate"]; !ok {
		t.Error("skipTests keeps other hooks")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRenderErrors(t *testing.T) {
	hostile := hostileArchive(t)
	corrupt := filepath.Join(t.TempDir(), "corrupt-0.1.0.tgz")
	os.WriteFile(corrupt, []byte("\x1f\x8b\x08\x00 this is not a gzip stream"), 0o644)
	for _, tc := range []struct {
		name     string
		opts     func(*RenderOptions)
		template string // expected TemplateError template ("" for other errors)
		line     int
		message  string
	}{
		{name: "missing", opts: func(o *RenderOptions) { o.Chart = chartDir("nope") }, message: "does not exist"},
		{name: "not a chart", opts: func(o *RenderOptions) { o.Chart = chartDir("not-a-chart") }, message: "is not a Helm chart: it has no Chart.yaml"},
		{name: "template error", opts: func(o *RenderOptions) { o.Chart = chartDir("broken-template") }, template: "broken-template/templates/configmap.yaml", line: 6, message: "nil pointer evaluating interface {}.deeply"},
		{name: "required value", opts: func(o *RenderOptions) { o.Chart = chartDir("needs-value") }, template: "needs-value/templates/deployment.yaml", line: 6, message: "database.host must be set"},
		{name: "schema", opts: func(o *RenderOptions) { o.Values = map[string]any{"replicas": "many"} }, message: "values do not match shop/values.schema.json"},
		{name: "kube version", opts: func(o *RenderOptions) { o.Chart = chartDir("old-kube") }, message: "chart requires kubeVersion: <1.20.0 which is incompatible with Kubernetes v1.37.0"},
		{name: "missing dependency", opts: func(o *RenderOptions) { o.Chart = chartDir("missing-dep") }, message: "found in Chart.yaml, but missing in charts/ directory: postgresql"},
		{name: "hostile archive", opts: func(o *RenderOptions) { o.Chart = hostile }, message: "chart illegally references parent directory"},
		{name: "corrupt archive", opts: func(o *RenderOptions) { o.Chart = corrupt }, message: "cannot load chart " + corrupt},
		{name: "symlink out of the chart", opts: func(o *RenderOptions) { o.Chart = linkedChart(t, "/etc/passwd") }, message: "templates/passwd.yaml is a symlink to /etc/passwd, outside the chart directory"},
		{name: "symlink to nothing", opts: func(o *RenderOptions) { o.Chart = linkedChart(t, "../../nowhere") }, message: "templates/passwd.yaml is a symlink to ../../nowhere, which does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := shopOptions()
			o.Name = "x"
			tc.opts(&o)
			_, err := Render(context.Background(), o)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
			if !IsChartError(err) {
				t.Errorf("%T is not a chart error", err)
			}
			var te *TemplateError
			if tc.template != "" && (!errors.As(err, &te) || te.Template != tc.template || te.Line != tc.line) {
				t.Errorf("want a template error at %s:%d, got %#v", tc.template, tc.line, err)
			}
		})
	}
}

// linkedChart is a directory chart with templates/passwd.yaml a symlink
// to target.
func linkedChart(t *testing.T, target string) string {
	dir := filepath.Join(t.TempDir(), "linked")
	os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
	os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: linked\nversion: 0.1.0\n"), 0o644)
	os.Symlink("../Chart.yaml", filepath.Join(dir, "templates", "inside.txt")) // inside: fine
	os.Symlink(target, filepath.Join(dir, "templates", "passwd.yaml"))
	return dir
}

// hostileArchive is a chart archive with an entry outside the chart.
func hostileArchive(t *testing.T) string {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range map[string]string{
		"evil/Chart.yaml":              "apiVersion: v2\nname: evil\nversion: 0.1.0\n",
		"evil/../../../tmp/escaped.sh": "echo pwned\n",
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(t.TempDir(), "evil-0.1.0.tgz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	return p
}

func TestNondeterminismIsDetected(t *testing.T) {
	res, err := Render(context.Background(), RenderOptions{Chart: chartDir("random"), Name: "r", Namespace: "x", KubeVersion: "1.37"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Nondeterministic, []string{"random/templates/secret.yaml"}) {
		t.Errorf("nondeterministic: %v (config.yaml's uuidv4 is not used, so it is deterministic)", res.Nondeterministic)
	}
	res, _ = Render(context.Background(), shopOptions())
	if len(res.Nondeterministic) != 0 {
		t.Errorf("shop is deterministic: %v", res.Nondeterministic)
	}
}

// The files of crds/ are parsed once per content: a second render reads
// them from the cache and gives the same objects; a corrupt entry is parsed
// again.
func TestRenderCachesParsedCRDs(t *testing.T) {
	want := kubenixTemplate(t, blocksOptions())
	o := blocksOptions()
	o.CacheDir = t.TempDir()
	if got := kubenixTemplate(t, o); !slices.Equal(got, want) {
		t.Fatalf("first render with a cache differs:\n%s", strings.Join(got, "\n"))
	}
	entries, _ := filepath.Glob(filepath.Join(o.CacheDir, "helm-crds", "*", "*.json"))
	if len(entries) != 1 {
		t.Fatalf("want one cached crds/ file, got %v", entries)
	}
	if got := kubenixTemplate(t, o); !slices.Equal(got, want) {
		t.Errorf("render from the cache differs:\n%s", strings.Join(got, "\n"))
	}
	os.WriteFile(entries[0], []byte(`[{"truncated`), 0o644)
	if got := kubenixTemplate(t, o); !slices.Equal(got, want) {
		t.Errorf("render over a corrupt cache entry differs:\n%s", strings.Join(got, "\n"))
	}
}

// A key written twice in a template is the error it is in a file, at the
// template's line and column (not the document's), which kubectl and
// `helm template` would pass over, keeping the last.
func TestRenderDuplicateKey(t *testing.T) {
	o := shopOptions()
	o.Chart, o.Name = chartDir("dup-key"), "d"
	_, err := Render(context.Background(), o)
	var te *TemplateError
	if !errors.As(err, &te) {
		t.Fatalf("want a template error, got %v", err)
	}
	if te.Template != "dup-key/templates/x.yaml" || te.Line != 12 || te.Col != 3 || !strings.HasPrefix(te.Msg, `duplicate key "port": it is also at line 11`) {
		t.Errorf("got %s:%d:%d: %s", te.Template, te.Line, te.Col, te.Msg)
	}
}

// A rendered document is placed at the line it starts on in the template's
// source, not in the output, which is longer once a value is expanded; and
// at no line when documents cannot be paired.
func TestSourceStarts(t *testing.T) {
	for _, tc := range []struct {
		name, source, rendered string
		want                   map[int]int
	}{
		{"literal", "a: 1\n---\nb: 2\n", "a: 1\n---\nb: 2\n", map[int]int{1: 1, 3: 3}},
		{"expanded", "# dump\n{{ toYaml .Values }}\n---\n\n{{ toYaml .X }}\n", "# dump\nx: 1\ny: 2\n---\n\nz: 3\n", map[int]int{1: 1, 6: 5}},
		{"dropped by a condition", "{{ if .A }}\na: 1\n{{ end }}\n---\nb: 2\n", "\n---\nb: 2\n", nil},
	} {
		if got := sourceStarts(tc.source, tc.rendered); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	res, err := Render(context.Background(), RenderOptions{Chart: chartDir("not-objects"), Name: "dump", KubeVersion: "1.37"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Objects {
		got = append(got, fmt.Sprintf("%s:%d", r.Template, r.Line))
	}
	slices.Sort(got)
	if want := "not-objects/templates/configmap.yaml:1 not-objects/templates/half.yaml:1 not-objects/templates/values.yaml:1 not-objects/templates/values.yaml:4"; strings.Join(got, " ") != want {
		t.Errorf("documents at %v, want %s", got, want)
	}
}
