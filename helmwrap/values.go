package helmwrap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
)

// ValuesError is a values.schema.json violation.
type ValuesError struct {
	Chart  string // the chart (or subchart, by its alias) whose schema is violated
	Schema string // chart-relative path of that schema: shop/charts/cache/values.schema.json
	Msg    string
}

func (e *ValuesError) Error() string {
	return fmt.Sprintf("values do not match %s:\n%s", e.Schema, e.Msg)
}

// ValidateValues validates values, merged over the chart's defaults as
// Helm merges them, against values.schema.json of the chart and its
// subcharts, as Helm does, but offline: a $ref to an http(s) URL is an
// error instead of a download. Like Helm, it validates after
// chartutil.ProcessDependencies: a disabled subchart is not validated, an
// aliased one is validated under its alias. schemaFiles (from SchemaFiles,
// before the dependencies were processed) names where each schema is.
func ValidateValues(c *chart.Chart, vals map[string]any, schemaFiles map[string]string) error {
	if vals == nil {
		vals = map[string]any{}
	}
	merged, err := chartutil.CoalesceValues(c, deepCopyValues(vals))
	if err != nil {
		return &ValuesError{Chart: c.Name(), Schema: schemaFile(c, schemaFiles), Msg: err.Error()}
	}
	return validateTree(c, merged, schemaFiles)
}

// SchemaFiles maps the path by which Helm names each chart of a tree once
// its dependencies are processed (aliases in place of names:
// shop/charts/primary) to the chart-relative path of its values.schema.json
// (shop/charts/redis/values.schema.json).
func SchemaFiles(c *chart.Chart) map[string]string {
	out := map[string]string{}
	var walk func(c *chart.Chart, named, file string)
	walk = func(c *chart.Chart, named, file string) {
		out[named] = file + "/values.schema.json"
		for _, d := range c.Metadata.Dependencies {
			for _, sub := range c.Dependencies() {
				if d != nil && sub.Name() == d.Name {
					alias := d.Name
					if d.Alias != "" {
						alias = d.Alias
					}
					walk(sub, named+"/charts/"+alias, file+"/charts/"+d.Name)
				}
			}
		}
	}
	walk(c, c.Name(), c.Name())
	return out
}

func schemaFile(c *chart.Chart, files map[string]string) string {
	if f, ok := files[c.ChartFullPath()]; ok {
		return f
	}
	return c.ChartFullPath() + "/values.schema.json"
}

func validateTree(c *chart.Chart, vals map[string]any, files map[string]string) error {
	if c.Schema != nil {
		if err := validateSchema(c.Schema, vals); err != nil {
			return &ValuesError{Chart: c.Name(), Schema: schemaFile(c, files), Msg: err.Error()}
		}
	}
	for _, sub := range c.Dependencies() {
		raw, ok := vals[sub.Name()].(map[string]any)
		if !ok {
			continue
		}
		if err := validateTree(sub, raw, files); err != nil {
			return err
		}
	}
	return nil
}

type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("values.schema.json refers to %s; kubenix validates offline and does not download schemas (vendor it into the chart)", url)
}

func validateSchema(schemaJSON []byte, vals map[string]any) error {
	schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return fmt.Errorf("values.schema.json is not valid JSON: %w", err)
	}
	compiler := jsonschema.NewCompiler()
	compiler.UseLoader(jsonschema.SchemeURLLoader{"http": offlineLoader{}, "https": offlineLoader{}, "file": offlineLoader{}})
	if err := compiler.AddResource("file:///values.schema.json", schema); err != nil {
		return err
	}
	v, err := compiler.Compile("file:///values.schema.json")
	if err != nil {
		return err
	}
	// The validator wants JSON numbers as json.Number-compatible values;
	// a round trip through JSON gives exactly what Helm validates.
	if err := v.Validate(jsonRoundTrip(vals)); err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "jsonschema validation failed with 'file:///values.schema.json#'\n"))
	}
	return nil
}

// jsonRoundTrip gives values the shape the schema validator expects:
// numbers as json.Number, maps and slices as decoded from JSON.
func jsonRoundTrip(vals map[string]any) any {
	b, err := json.Marshal(vals)
	if err != nil {
		return vals
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return vals
	}
	return v
}
