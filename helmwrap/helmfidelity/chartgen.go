// Package helmfidelity holds kubenix's Helm renders to helm template's in
// tests: it writes charts that combine what real charts do (seeded,
// deterministic), runs the helm CLI on them and compares objects string by
// string.
package helmfidelity

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Chart is a generated chart and how to render it.
type Chart struct {
	Dir      string
	Seed     uint64
	Features []string // f1:blocks f2:tpl ...: each feature with the key prefix it writes under

	// The render's inputs: the same for kubenix and for helm template.
	Release     string
	Namespace   string
	Values      map[string]any // given at render time (-f values.json)
	KubeVersion string         // 1.37
	IncludeCRDs bool
	NoHooks     bool
	SkipTests   bool
}

// Feature is one pattern of real charts: templates, values, files or
// subcharts it adds to a chart, under its own key prefix.
type Feature struct {
	Name string
	Add  func(b *Builder, r *rand.Rand)
}

// Builder collects the files of one chart.
type Builder struct {
	P string // the feature's key prefix (f1, f2, ...): values key, template and object names

	files     map[string]string // chart-relative path: content
	values    []string          // top-level blocks of values.yaml, in order
	globals   []string          // lines under global: in values.yaml
	deps      []string          // entries of Chart.yaml's dependencies
	chartYAML []string          // more top-level lines of Chart.yaml
	schema    map[string]any    // values.schema.json's properties and definitions
	apiV1     bool              // a Helm 2 chart: apiVersion v1, dependencies in requirements.yaml
	chart     *Chart
}

// expand replaces @F@ with the feature's prefix.
func (b *Builder) expand(s string) string { return strings.ReplaceAll(s, "@F@", b.P) }

// Template adds templates/<prefix>-name (a .yaml unless name has an extension).
func (b *Builder) Template(name, text string) {
	if filepath.Ext(name) == "" {
		name += ".yaml"
	}
	b.files["templates/"+b.P+"-"+name] = b.expand(text)
}

// File adds a chart file at a chart-relative path (@F@ expanded in both).
func (b *Builder) File(path, text string) { b.files[b.expand(path)] = b.expand(text) }

// Values adds a top-level block to values.yaml.
func (b *Builder) Values(text string) { b.values = append(b.values, b.expand(text)) }

// Global adds lines under global: in values.yaml (indented by two).
func (b *Builder) Global(text string) { b.globals = append(b.globals, b.expand(text)) }

// Dependency adds an entry to Chart.yaml's dependencies (its lines, the
// first starting "- name:").
func (b *Builder) Dependency(text string) { b.deps = append(b.deps, b.expand(text)) }

// ChartYAML adds top-level lines to Chart.yaml.
func (b *Builder) ChartYAML(text string) { b.chartYAML = append(b.chartYAML, b.expand(text)) }

// Give merges v into the values given at render time.
func (b *Builder) Give(v map[string]any) { merge(b.chart.Values, v) }

// Schema adds a property of values.schema.json and the definitions it
// refers to (as "#/definitions/name").
func (b *Builder) Schema(property string, prop map[string]any, definitions map[string]any) {
	if b.schema == nil {
		b.schema = map[string]any{"properties": map[string]any{}, "definitions": map[string]any{}}
	}
	b.schema["properties"].(map[string]any)[property] = prop
	for k, v := range definitions {
		b.schema["definitions"].(map[string]any)[k] = v
	}
}

// Options gives access to the render's options.
func (b *Builder) Options() *Chart { return b.chart }

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// KubeVersions are the Kubernetes versions charts are rendered for.
var KubeVersions = []string{"1.30", "1.33", "1.35", "1.37"}

// Generate writes a chart of n features chosen by seed into dir/<name>
// (dir must exist) and returns it. The same seed gives the same chart.
func Generate(dir string, seed uint64, n int) (*Chart, error) {
	r := rand.New(rand.NewPCG(seed, 0x6b75626e6978))
	c := &Chart{
		Seed:        seed,
		Release:     pick(r, "rel", "my-app", "x"),
		Namespace:   pick(r, "default", "prod", "team-a"),
		Values:      map[string]any{},
		KubeVersion: pick(r, KubeVersions...),
		IncludeCRDs: r.IntN(4) != 0,
		NoHooks:     r.IntN(6) == 0,
		SkipTests:   r.IntN(4) == 0,
	}
	name := fmt.Sprintf("gen%d", seed)
	c.Dir = filepath.Join(dir, name)
	b := &Builder{files: map[string]string{}, chart: c}
	// Seeds in a row lead with each feature in turn, so that any
	// len(Features) of them have every feature; the others are drawn.
	order := r.Perm(len(Features))
	lead := slices.Index(order, int(seed%uint64(len(Features))))
	order[0], order[lead] = order[lead], order[0]
	for i, fi := range order[:min(n, len(Features))] {
		f := Features[fi]
		b.P = fmt.Sprintf("f%d", i+1)
		c.Features = append(c.Features, b.P+":"+f.Name)
		f.Add(b, r)
	}
	apiVersion := "v2"
	if b.apiV1 {
		apiVersion = "v1"
	}
	chartYAML := "apiVersion: " + apiVersion + "\nname: " + name + "\nversion: 0.1.0\n" + strings.Join(b.chartYAML, "")
	if deps := strings.Join(b.deps, ""); deps == "" {
	} else if b.apiV1 {
		b.files["requirements.yaml"] = "dependencies:\n" + deps
	} else {
		chartYAML += "dependencies:\n" + deps
	}
	b.files["Chart.yaml"] = chartYAML
	values := strings.Join(b.values, "")
	if len(b.globals) > 0 {
		values += "global:\n" + strings.Join(b.globals, "")
	}
	b.files["values.yaml"] = values
	if b.schema != nil {
		s := map[string]any{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}
		merge(s, b.schema)
		j, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return nil, err
		}
		b.files["values.schema.json"] = string(j) + "\n"
	}
	paths := make([]string, 0, len(b.files))
	for p := range b.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(c.Dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, []byte(b.files[p]), 0o644); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func pick[T any](r *rand.Rand, choices ...T) T { return choices[r.IntN(len(choices))] }
