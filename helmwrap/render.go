package helmwrap

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"

	"github.com/kubenix/kubenix/diag"
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
	// CacheDir keeps the parsed crds/ files (crds.go); "" keeps nothing.
	// Not an option of the Nix call: the exec context gives it.
	CacheDir string `json:"-"`
}

// Rendered is one object of a chart, and the template it came from.
type Rendered struct {
	Object   map[string]any `json:"object"`
	Template string         `json:"template"`       // chart-relative: redis/templates/master.yaml
	Line     int            `json:"line,omitempty"` // of the template its document starts on (0: not known)
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
	// As Helm does: disabled subcharts leave the chart, aliased ones take
	// their alias, and only then are values validated.
	schemaFiles := SchemaFiles(chrt)
	vals := deepCopyValues(opts.Values)
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, &ChartError{Msg: fmt.Sprintf("chart %s: %v", chrt.Name(), err)}
	}
	if err := ValidateValues(chrt, vals, schemaFiles); err != nil {
		return nil, err
	}
	crds, crdErr := chartCRDs(chrt, opts.CacheDir)
	if crdErr != nil && opts.IncludeCRDs {
		return nil, crdErr
	}
	objs, output, err := render(ctx, chrt, opts, crds)
	if err != nil {
		return nil, err
	}
	res := &Result{Chart: chrt.Name(), Version: chrt.Metadata.Version, Objects: objs}
	if plan := planRecheck(chrt, opts.Values); len(plan.compare) > 0 {
		// Render again: only templates that really produced different
		// output are reported, not those whose random branch is unused.
		again, err := renderAgain(chrt, opts, crds, plan)
		if err != nil {
			return nil, err
		}
		for _, tmpl := range plan.compare {
			if text, ok := output[tmpl]; ok && again[tmpl] != text {
				res.Nondeterministic = append(res.Nondeterministic, tmpl)
			}
		}
	}
	return res, nil
}

// renderAgain renders the templates of plan a second time, to compare
// with the first render; everything, when some of them need a template
// the plan left out.
func renderAgain(chrt *chart.Chart, opts RenderOptions, crds []crdFile, plan recheckPlan) (map[string]string, error) {
	values, err := renderValues(chrt, opts, crds)
	if err != nil {
		return nil, err
	}
	var e engine.Engine
	if !plan.all {
		if files, err := e.Render(subset(chrt, plan.keep), values); err == nil {
			return files, nil
		}
		// Values the failed render changed are made again.
		if values, err = renderValues(chrt, opts, crds); err != nil {
			return nil, err
		}
	}
	files, err := e.Render(chrt, values)
	if err != nil {
		return nil, templateError(chrt, err)
	}
	return files, nil
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
		if err := checkChartSymlinks(path); err != nil {
			return nil, err
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
	var missing []string
	for _, d := range chrt.Metadata.Dependencies {
		if !slices.ContainsFunc(chrt.Dependencies(), func(c *chart.Chart) bool { return c.Name() == d.Name }) {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return nil, &ChartError{Path: path,
			Msg:  fmt.Sprintf("chart %s: found in Chart.yaml, but missing in charts/ directory: %s", chrt.Name(), strings.Join(missing, ", ")),
			Hint: "vendor the dependencies into charts/ (helm dependency build), then render again"}
	}
	return chrt, nil
}

// render renders a chart once, the way Helm's install action does in
// client-only mode (what `helm template` runs): release name check,
// dependency conditions and aliases, values merged over the chart's,
// capabilities, the chart's kubeVersion constraint, the template engine
// without cluster access (lookup finds nothing), NOTES.txt dropped,
// manifests and hooks sorted in Helm's install order, crds/ first. It
// returns the objects and, by template, the rendered text of each
// template in the output (to compare renders). Calling the engine directly
// rather than the install action keeps the release storage, cluster client
// and registry code out of kubenix (40 MB of binary); the fidelity test
// holds both to the same output.
func render(_ context.Context, chrt *chart.Chart, opts RenderOptions, crds []crdFile) ([]Rendered, map[string]string, error) {
	values, err := renderValues(chrt, opts, crds)
	if err != nil {
		return nil, nil, err
	}
	var e engine.Engine
	files, err := e.Render(chrt, values)
	if err != nil {
		return nil, nil, templateError(chrt, err)
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, nil, templateError(chrt, err)
	}
	var out []Rendered
	output := map[string]string{}
	if opts.IncludeCRDs {
		for _, f := range crds {
			// Files, not templates: the same on every render, so not
			// compared for non-determinism.
			for _, d := range f.docs {
				switch body := d.(type) {
				case nil: // an empty document
				case map[string]any:
					out = append(out, Rendered{Object: body, Template: f.name})
				default:
					return nil, nil, &TemplateError{Chart: chrt.Name(), Template: f.name, Msg: "the file has something that is not a Kubernetes object"}
				}
			}
		}
	}
	type doc struct {
		template string
		parts    []document // the YAML documents, in order
		hook     bool
	}
	var docs []doc
	sources := templateSources(chrt)
	for _, m := range manifests {
		docs = append(docs, doc{template: m.Name, parts: placed(files[m.Name], templateDocuments(m.Content))})
	}
	if !opts.NoHooks {
		for _, h := range hooks {
			if opts.SkipTests && isTestHook(h) {
				continue
			}
			docs = append(docs, doc{template: h.Path, parts: placed(files[h.Path], templateDocuments(h.Manifest)), hook: true})
		}
	}
	for _, d := range docs {
		output[d.template] = files[d.template]
		starts := sourceStarts(sources[d.template], files[d.template])
		for _, part := range d.parts {
			values, err := readDocument(chrt.Name(), d.template, part)
			if err != nil {
				return nil, nil, err
			}
			for _, v := range values {
				body, ok := v.(map[string]any)
				if !ok {
					return nil, nil, &TemplateError{Chart: chrt.Name(), Template: d.template, Line: part.line, Msg: "the template renders something that is not a Kubernetes object"}
				}
				out = append(out, Rendered{Object: body, Template: d.template, Line: starts[part.line], Hook: d.hook})
			}
		}
	}
	return out, output, nil
}

// renderValues are the values the template engine renders a chart with:
// the release, the call's values over the chart's, the capabilities.
func renderValues(chrt *chart.Chart, opts RenderOptions, crds []crdFile) (chartutil.Values, error) {
	if err := chartutil.ValidateReleaseName(opts.Name); err != nil {
		return nil, &ChartError{Msg: fmt.Sprintf("release name %q: %v", opts.Name, err)}
	}
	vals := deepCopyValues(opts.Values)
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, &ChartError{Msg: fmt.Sprintf("chart %s: %v", chrt.Name(), err)}
	}
	kv, err := parseKubeVersion(opts.KubeVersion)
	if err != nil {
		return nil, err
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	caps.HelmVersion.Version = helmSDKVersion
	caps.APIVersions = append(caps.APIVersions, opts.APIVersions...)
	// As when Helm installs a chart, its crds/ exist before its templates
	// render, so .Capabilities.APIVersions has them.
	caps.APIVersions = append(caps.APIVersions, crdAPIVersions(crds)...)
	release := chartutil.ReleaseOptions{Name: opts.Name, Namespace: opts.Namespace, Revision: 1, IsInstall: true}
	values, err := chartutil.ToRenderValuesWithSchemaValidation(chrt, vals, release, caps, true)
	if err != nil {
		return nil, templateError(chrt, err)
	}
	if c := chrt.Metadata.KubeVersion; c != "" && !chartutil.IsCompatibleRange(c, caps.KubeVersion.String()) {
		return nil, &ChartError{Msg: fmt.Sprintf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c, caps.KubeVersion.String()),
			Hint: "render for a Kubernetes version the chart supports (kubeVersion = ...; or --kube-version)"}
	}
	return values, nil
}

// document is one YAML document of a chart's output: its text, and the
// line of the template (or crds/ file) it starts on (0: not known).
type document struct {
	text string
	line int
}

// readDocument reads one document of a chart's output with the reader of
// manifest files (kubectl's values; a key written twice is an error), its
// errors placed at the line of the template.
func readDocument(chartName, template string, d document) ([]any, error) {
	values, l := manifest.ReadDocuments(template, max(d.line, 1), []byte(d.text))
	for _, e := range l {
		if e.Severity == diag.Error {
			return nil, &TemplateError{Chart: chartName, Template: template, Line: max(e.Pos.Line, d.line), Col: e.Pos.Col, Msg: e.Message}
		}
	}
	return values, nil
}

// lineAt is the line of text that byte offset i is on.
func lineAt(text string, i int) int {
	return 1 + strings.Count(text[:i], "\n")
}

// placed gives documents that SortManifests took out of a rendered
// template (in install order, one at a time) the line of the template
// they start on.
func placed(rendered string, parts []document) []document {
	for i, p := range parts {
		if at := strings.Index(rendered, strings.TrimSuffix(p.text, "\n")); at >= 0 {
			parts[i].line = lineAt(rendered, at)
		}
	}
	return parts
}

// templateSources is the source of every template of a chart and its
// subcharts, by the name the engine renders it under.
func templateSources(c *chart.Chart) map[string]string {
	out := map[string]string{}
	var add func(c *chart.Chart)
	add = func(c *chart.Chart) {
		for _, t := range c.Templates {
			out[path.Join(c.ChartFullPath(), t.Name)] = string(t.Data)
		}
		for _, d := range c.Dependencies() {
			add(d)
		}
	}
	add(c)
	return out
}

// sourceStarts maps the line each document of a rendered template starts
// on to the line its document starts on in the template's source. The
// lines differ once a template expands to more lines than it has; the
// documents are paired in order, and only when the source has as many as
// the output (no document dropped by a condition or repeated by a range).
func sourceStarts(source, rendered string) map[int]int {
	src, out := documentStarts(source), documentStarts(rendered)
	if len(src) != len(out) {
		return nil
	}
	m := make(map[int]int, len(out))
	for i, l := range out {
		m[l] = src[i]
	}
	return m
}

// documentStarts is the first line that is not blank of each document of
// a text split at lines that start with "---".
func documentStarts(text string) []int {
	var starts []int
	open := false // the current document has a line that is not blank
	for i, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "---"):
			open = false
		case !open && strings.TrimSpace(line) != "":
			starts = append(starts, i+1)
			open = true
		}
	}
	return starts
}

// templateDocuments splits a rendered template into its YAML documents as
// Helm does (releaseutil.SplitManifests: each document trimmed), in order,
// and gives each back the final newline Helm writes after it, both in
// `helm template`'s output and in the manifest `helm install` sends: a
// block scalar that ends a document keeps its last newline.
func templateDocuments(text string) []document {
	var out []document
	for _, d := range manifestSeparator.Split(strings.TrimSpace(text), -1) {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, document{text: d + "\n"})
		}
	}
	return out
}

// manifestSeparator is releaseutil's document separator.
var manifestSeparator = regexp.MustCompile("(?:^|\\s*\n)---\\s*")

// crdDocuments splits a file of crds/, which Helm sends (and `helm
// template` prints) as it is, where a YAML reader splits it: at lines that
// are "---" and white space, in file order, the text untouched.
func crdDocuments(text string) []document {
	var out []document
	start := 0
	add := func(end int) {
		if strings.TrimSpace(text[start:end]) != "" {
			out = append(out, document{text: text[start:end], line: lineAt(text, start)})
		}
	}
	for i := 0; i <= len(text); {
		end := strings.IndexByte(text[i:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += i
		}
		if line := text[i:end]; strings.HasPrefix(line, "---") && strings.TrimSpace(line[3:]) == "" {
			add(i)
			start = min(end+1, len(text))
		}
		i = end + 1
	}
	add(len(text))
	return out
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

// ChartCRDAPIVersions lists group/version and group/version/Kind of the
// CRDs in a chart's crds/ directories (subcharts included).
func ChartCRDAPIVersions(c *chart.Chart) []string {
	files, _ := chartCRDs(c, "")
	return crdAPIVersions(files)
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
