package helmwrap

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
)

// RenderOptions are the arguments of kubenix.helm.chart.
type RenderOptions struct {
	Chart       string         `json:"chart"`     // a chart directory or .tgz
	Name        string         `json:"name"`      // the release name
	Namespace   string         `json:"namespace"` // the release namespace
	Values      map[string]any `json:"values"`
	IncludeCRDs bool           `json:"includeCRDs"` // render crds/ too
	NoHooks     bool           `json:"noHooks"`     // leave hooks out
	SkipTests   bool           `json:"skipTests"`   // leave test hooks out
	KubeVersion string         `json:"kubeVersion"` // .Capabilities.KubeVersion, e.g. 1.37 or v1.37.0
	APIVersions []string       `json:"apiVersions"` // added to .Capabilities.APIVersions
}

// Rendered is one object of a chart, and the template it came from.
type Rendered struct {
	Object   map[string]any `json:"object"`
	Template string         `json:"template"` // chart-relative: redis/templates/master.yaml
	Hook     bool           `json:"hook,omitempty"`
}

// Result is a chart's rendering.
type Result struct {
	Chart   string     `json:"chart"`   // the chart's name
	Version string     `json:"version"` // the chart's version
	Objects []Rendered `json:"objects"`
	// Nondeterministic lists templates whose output differed between two
	// renders of the same input (random passwords, timestamps, UUIDs).
	Nondeterministic []string `json:"nondeterministic,omitempty"`
}

// Render renders a chart in-process with the Helm SDK exactly as
// `helm template` does: the release is an install of revision 1, the
// capabilities are those of the given Kubernetes version (never the SDK's
// default), lookup returns nothing, NOTES.txt is not rendered. Values are
// validated against values.schema.json offline.
func Render(ctx context.Context, opts RenderOptions) (*Result, error) {
	chrt, err := LoadChart(opts.Chart)
	if err != nil {
		return nil, err
	}
	if err := ValidateValues(chrt, opts.Values); err != nil {
		return nil, err
	}
	objs, manifests, err := render(ctx, chrt, opts)
	if err != nil {
		return nil, err
	}
	res := &Result{Chart: chrt.Name(), Version: chrt.Metadata.Version, Objects: objs}
	if names := nondeterministicFuncs(chrt); len(names) > 0 {
		// Render again: only templates that really produced different
		// output are reported, not those whose random branch is unused.
		_, again, err := render(ctx, chrt, opts)
		if err != nil {
			return nil, err
		}
		for tmpl, m := range manifests {
			if again[tmpl] != m {
				res.Nondeterministic = append(res.Nondeterministic, tmpl)
			}
		}
		sort.Strings(res.Nondeterministic)
	}
	return res, nil
}

// LoadChart loads a chart directory or archive and checks it can be
// installed, with every dependency it declares vendored in charts/.
func LoadChart(path string) (*chart.Chart, error) {
	if path == "" {
		return nil, &ChartError{Msg: "no chart given"}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &ChartError{Path: path, Msg: fmt.Sprintf("chart %s does not exist", path)}
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err != nil {
			return nil, &ChartError{Path: path, Msg: fmt.Sprintf("%s is not a Helm chart: it has no Chart.yaml", path)}
		}
	}
	chrt, err := loader.Load(path)
	if err != nil {
		return nil, &ChartError{Path: path, Msg: fmt.Sprintf("cannot load chart %s: %v", path, err)}
	}
	switch chrt.Metadata.Type {
	case "", "application":
	default:
		return nil, &ChartError{Path: path, Msg: fmt.Sprintf("%s charts are not installable", chrt.Metadata.Type)}
	}
	if deps := chrt.Metadata.Dependencies; deps != nil {
		if err := action.CheckDependencies(chrt, deps); err != nil {
			return nil, &ChartError{Path: path, Msg: fmt.Sprintf("chart %s: %v", chrt.Name(), err),
				Hint: "vendor the dependencies into charts/ (helm dependency build), then render again"}
		}
	}
	return chrt, nil
}

var sourceLine = regexp.MustCompile(`(?m)^# Source: (.+)$`)

// render runs the SDK once and returns the objects and, per template, the
// rendered text (to compare renders).
func render(ctx context.Context, chrt *chart.Chart, opts RenderOptions) ([]Rendered, map[string]string, error) {
	inst := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	inst.DryRun = true
	inst.DryRunOption = "true"
	inst.ClientOnly = true
	inst.Replace = true
	inst.ReleaseName = opts.Name
	inst.Namespace = opts.Namespace
	inst.IncludeCRDs = opts.IncludeCRDs
	inst.DisableHooks = opts.NoHooks
	inst.SkipSchemaValidation = true // done offline by ValidateValues
	kv, err := parseKubeVersion(opts.KubeVersion)
	if err != nil {
		return nil, nil, err
	}
	inst.KubeVersion = kv
	inst.APIVersions = chartutil.VersionSet(opts.APIVersions)

	vals := opts.Values
	if vals == nil {
		vals = map[string]any{}
	}
	rel, err := inst.RunWithContext(ctx, chrt, deepCopyValues(vals))
	if err != nil {
		return nil, nil, templateError(chrt, err)
	}
	var docs bytes.Buffer
	docs.WriteString(rel.Manifest)
	if !opts.NoHooks {
		for _, h := range rel.Hooks {
			if opts.SkipTests && isTestHook(h) {
				continue
			}
			fmt.Fprintf(&docs, "\n---\n# Source: %s\n%s\n", h.Path, h.Manifest)
		}
	}
	split := releaseutil.SplitManifests(docs.String())
	keys := make([]string, 0, len(split))
	for k := range split {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	hookPaths := map[string]bool{}
	for _, h := range rel.Hooks {
		hookPaths[h.Path] = true
	}
	var out []Rendered
	texts := map[string]string{}
	for _, k := range keys {
		doc := split[k]
		tmpl := ""
		if m := sourceLine.FindStringSubmatch(doc); m != nil {
			tmpl = strings.TrimSpace(m[1])
		}
		texts[tmpl] += doc
		j, err := sigsyaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, nil, &TemplateError{Chart: chrt.Name(), Template: tmpl, Msg: fmt.Sprintf("the template renders invalid YAML: %v", err)}
		}
		v, err := manifest.DecodeJSON(j)
		if err != nil {
			return nil, nil, err
		}
		body, ok := v.(map[string]any)
		if !ok {
			if v == nil {
				continue // an empty document
			}
			return nil, nil, &TemplateError{Chart: chrt.Name(), Template: tmpl, Msg: "the template renders something that is not a Kubernetes object"}
		}
		out = append(out, Rendered{Object: body, Template: tmpl, Hook: hookPaths[tmpl]})
	}
	return out, texts, nil
}

func isTestHook(h *release.Hook) bool {
	return slices.Contains(h.Events, release.HookTest)
}

// BuiltinAPIVersions lists the API of a Kubernetes version as Helm's
// .Capabilities.APIVersions spells it (group/version and
// group/version/Kind), so that charts see what a cluster of that version
// serves; Helm's own default list is that of its client library.
func BuiltinAPIVersions(kubeVersion string) []string {
	set, err := schema.NewSet(kubeVersion)
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range set.Types() {
		out = append(out, t.APIVersion(), t.APIVersion()+"/"+t.Kind)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// parseKubeVersion turns "1.37" or "v1.37.2" into Helm's KubeVersion; the
// SDK's own default (v1.20) must never leak into a render.
func parseKubeVersion(v string) (*chartutil.KubeVersion, error) {
	if v == "" {
		return nil, fmt.Errorf("kubeVersion is required")
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	kv, err := chartutil.ParseKubeVersion(v)
	if err != nil {
		return nil, fmt.Errorf("invalid kubeVersion %q: %w", v, err)
	}
	return kv, nil
}

func deepCopyValues(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, e := range v {
		switch t := e.(type) {
		case map[string]any:
			out[k] = deepCopyValues(t)
		case []any:
			l := make([]any, len(t))
			for i, x := range t {
				if m, ok := x.(map[string]any); ok {
					l[i] = deepCopyValues(m)
				} else {
					l[i] = x
				}
			}
			out[k] = l
		default:
			out[k] = e
		}
	}
	return out
}

// nondeterministic are the template functions whose result changes from
// one render to the next.
var nondeterministic = regexp.MustCompile(`\b(randAlphaNum|randAlpha|randNumeric|randAscii|randInt|randBytes|uuidv4|now|genCA|genCAWithKey|genPrivateKey|genSelfSignedCert|genSelfSignedCertWithKey|genSignedCert|genSignedCertWithKey|htpasswd|bcrypt|shuffle)\b`)

// nondeterministicFuncs lists such functions used anywhere in a chart's
// templates (subcharts included).
func nondeterministicFuncs(c *chart.Chart) []string {
	seen := map[string]bool{}
	var walk func(c *chart.Chart)
	walk = func(c *chart.Chart) {
		for _, t := range c.Templates {
			for _, m := range nondeterministic.FindAllString(string(t.Data), -1) {
				seen[m] = true
			}
		}
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(c)
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
