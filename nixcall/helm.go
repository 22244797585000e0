package nixcall

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/secrets"
)

// renderChart answers helm.render: kubenix.helm.chart's objects, each
// with its origin, as Helm renders them.
func renderChart(ctx context.Context, s *Server, a args) (*reply, error) {
	if a.Render == nil || a.YAML != nil {
		return nil, fmt.Errorf("helm.render takes render options only")
	}
	opts := *a.Render
	if opts.Chart == "" || opts.Name == "" {
		return nil, fmt.Errorf("helm.render needs a chart and a release name")
	}
	manifest.ExactFloats(opts.Values) // the library wrote them exactly (lib/json.nix)
	opts.CacheDir = s.Dir             // parsed crds/ files
	res, err := s.Helm.Render(ctx, opts)
	if err != nil {
		return nil, err
	}
	for _, r := range res.Objects {
		if field, ok := nulField(r.Object, ""); ok {
			return nil, &helmwrap.TemplateError{Chart: res.Chart, Template: r.Template, Line: r.Line,
				Msg: fmt.Sprintf("%s: %s %s", objectID(r.Object), field, nulMessage)}
		}
	}
	objects, err := nixJSON(annotate(res, opts))
	if err != nil {
		return nil, err
	}
	rep := newReply(objects)
	rep.Chart = res.Chart
	rep.private = holdsPlaintextSecret(res)
	if len(res.Nondeterministic) > 0 {
		rep.Nondeterministic = res.Nondeterministic
		if s.Strict {
			// The reply is kept (a build without --strict uses it); the
			// library does not take it under --strict.
			return rep, &helmwrap.TemplateError{Chart: res.Chart, Template: res.Nondeterministic[0],
				Msg:  fmt.Sprintf("the chart renders differently each time (templates %s): the output is not reproducible", strings.Join(res.Nondeterministic, ", ")),
				Hint: "set the generated values (passwords, certificates) explicitly in values, or build without --strict"}
		}
	}
	return rep, nil
}

// annotate adds each object's origin, and sets metadata.namespace to the
// release namespace on objects of namespaced built-in kinds, which Helm
// leaves to the API server. Kinds kubenix cannot place yet (custom
// resources) get their namespace later, from the origin, once the build's
// CRDs are known.
func annotate(res *helmwrap.Result, opts helmwrap.RenderOptions) []any {
	set, _ := schema.NewSet(opts.KubeVersion)
	out := make([]any, 0, len(res.Objects))
	var files *helmwrap.ChartFiles
	if dir, ok := chartDir(opts.Chart); ok {
		files = helmwrap.NewChartFiles(dir)
	}
	for _, r := range res.Objects {
		obj := r.Object
		if set != nil {
			av, _ := obj["apiVersion"].(string)
			kind, _ := obj["kind"].(string)
			if t, ok := set.Lookup(av, kind); ok && t.Namespaced {
				if meta, ok := obj["metadata"].(map[string]any); ok && meta["namespace"] == nil && opts.Namespace != "" {
					meta["namespace"] = opts.Namespace
				}
			}
		}
		origin := map[string]any{"chart": res.Chart, "template": r.Template, "namespace": opts.Namespace}
		if files != nil {
			origin["file"] = files.File(r.Template)
		}
		if r.Line > 0 {
			origin["line"] = r.Line
		}
		obj[manifest.OriginKey] = origin
		out = append(out, obj)
	}
	return out
}

// holdsPlaintextSecret reports whether a render has a Secret with a value
// in plain text, which must not be written to a cache on disk.
func holdsPlaintextSecret(res *helmwrap.Result) bool {
	for _, r := range res.Objects {
		if secrets.IsPlaintextSecret(r.Object) {
			return true
		}
	}
	return false
}

// chartDir is the absolute path of a directory chart.
func chartDir(chart string) (string, bool) {
	if fi, err := os.Stat(chart); err != nil || !fi.IsDir() {
		return "", false
	}
	abs, err := filepath.Abs(chart)
	return abs, err == nil
}

// report places a failed call for the user: a template error at the chart
// file and line, a values error at values.schema.json.
func report(err error, a args) ErrorReport {
	r := ErrorReport{Message: err.Error()}
	var te *helmwrap.TemplateError
	var ce *helmwrap.ChartError
	var ve *helmwrap.ValuesError
	switch {
	case errors.As(err, &te):
		r.Message, r.Hint, r.Line, r.Col = te.Msg, te.Hint, te.Line, te.Col
		if a.Render != nil && te.Template != "" {
			r.File = te.Template
			if dir, ok := chartDir(a.Render.Chart); ok {
				r.File = helmwrap.TemplateFile(dir, te.Template)
			}
		}
		r.Message = fmt.Sprintf("chart %s: %s", te.Chart, r.Message)
	case errors.As(err, &ce):
		r.Message, r.Hint = ce.Msg, ce.Hint
	case errors.As(err, &ve):
		r.Message = fmt.Sprintf("chart %s: values do not match %s: %s", ve.Chart, ve.Schema, strings.TrimSpace(ve.Msg))
		r.Hint = "fix the values passed to kubenix.helm.chart"
		if a.Render != nil {
			if dir, ok := chartDir(a.Render.Chart); ok {
				if f := helmwrap.TemplateFile(dir, ve.Schema); f != "" {
					if _, err := os.Stat(f); err == nil {
						r.File = f
					}
				}
			}
		}
	}
	return r
}
