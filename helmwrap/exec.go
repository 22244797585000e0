package helmwrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/secrets"
)

// The exec protocol. Nix code reaches kubenix through builtins.exec, which
// runs a program and parses its standard output as a Nix expression. The
// kubenix library calls `kubenix __exec REQUEST` (no shell involved), where
// REQUEST is one JSON document; the answer is
//
//	builtins.fromJSON "<escaped JSON>"
//
// or, on failure, `throw "kubenix-error:<escaped JSON>"` with the
// diagnostic, so that Nix reports it where the call was made and kubenix
// shows it with the chart file and line. Anything that is not a request of
// this protocol is refused.

// Protocol names the protocol version; requests carry it.
const Protocol = eval.ExecProtocol

// Request is one call from Nix.
type Request struct {
	Protocol string         `json:"protocol"`
	Op       string         `json:"op"` // helm.render or yaml.parse
	Render   *RenderOptions `json:"render,omitempty"`
	CacheKey string         `json:"cacheKey,omitempty"` // where to cache the render (see cache.go)
	Call     *eval.CallSite `json:"call,omitempty"`     // where the Nix code called kubenix.helm.chart
	YAML     *string        `json:"yaml,omitempty"`
	Context  ExecContext    `json:"context"`
}

// ExecContext is what the kubenix run that started the evaluation tells
// its helpers.
type ExecContext struct {
	Version  string `json:"version"`  // kubenix's version (part of cache keys)
	CacheDir string `json:"cacheDir"` // render cache; "" disables it
	Strict   bool   `json:"strict"`   // non-determinism is an error
}

// StatPrefix starts a line on standard error that reports a helper call to
// the kubenix run (Nix passes helpers' standard error through).
const StatPrefix = eval.StatPrefix

// Stat is what a helper call reports.
type Stat struct {
	Op               string   `json:"op"`
	Chart            string   `json:"chart,omitempty"`
	Release          string   `json:"release,omitempty"`
	Cached           bool     `json:"cached,omitempty"`
	Nondeterministic []string `json:"nondeterministic,omitempty"`
}

// Serve answers one exec request. args are the program's arguments after
// the subcommand: exactly one JSON request.
func Serve(ctx context.Context, args []string, w io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("kubenix __exec takes exactly one request")
	}
	raw := args[0]
	if file, ok := strings.CutPrefix(raw, "@"); ok {
		// A large request, written by builtins.toFile into the store.
		if !strings.HasSuffix(file, "-kubenix-request.json") {
			return fmt.Errorf("kubenix __exec: not a %s request", Protocol)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		raw = string(b)
	}
	var req Request
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Protocol != Protocol {
		return fmt.Errorf("kubenix __exec: not a %s request", Protocol)
	}
	var (
		value []byte // JSON
		err   error
	)
	switch req.Op {
	case "helm.render":
		if req.Render == nil {
			return fmt.Errorf("kubenix __exec: helm.render without render options")
		}
		manifest.ExactFloats(req.Render.Values)
		value, err = serveRender(ctx, req)
	case "yaml.parse":
		if req.YAML == nil {
			return fmt.Errorf("kubenix __exec: yaml.parse without yaml")
		}
		var docs []any
		if docs, err = parseYAML(*req.YAML); err == nil {
			value, err = json.Marshal(docs)
		}
	default:
		return fmt.Errorf("kubenix __exec: unknown op %q", req.Op)
	}
	if err != nil {
		_, werr := io.WriteString(w, "throw "+nixString(eval.ErrorPrefix+reportJSON(err, req)))
		return werr
	}
	_, err = io.WriteString(w, "builtins.fromJSON "+nixString(string(value)))
	return err
}

// nixString quotes s as a Nix string literal.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

func serveRender(ctx context.Context, req Request) ([]byte, error) {
	opts := *req.Render
	opts.CacheDir = req.Context.CacheDir
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, err
	}
	objects, err := json.Marshal(annotate(res, opts))
	if err != nil {
		return nil, err
	}
	// The cache is a file on disk, often shared: a render with a Secret in
	// plain text is rendered again next time rather than kept there.
	if req.CacheKey != "" && req.Context.CacheDir != "" && len(req.CacheKey) == 64 && !holdsPlaintextSecret(res) {
		if err := writeCache(req.Context.CacheDir, req.CacheKey, objects, res); err != nil {
			fmt.Fprintf(os.Stderr, "kubenix: warning: cannot cache the render of %s: %v\n", res.Chart, err)
		}
	}
	report(Stat{Op: "helm.render", Chart: res.Chart, Release: opts.Name, Nondeterministic: res.Nondeterministic})
	if len(res.Nondeterministic) > 0 && req.Context.Strict {
		return nil, &TemplateError{Chart: res.Chart, Template: res.Nondeterministic[0],
			Msg:  fmt.Sprintf("the chart renders differently each time (templates %s): the output is not reproducible", strings.Join(res.Nondeterministic, ", ")),
			Hint: "set the generated values (passwords, certificates) explicitly in values, or build without --strict"}
	}
	return objects, nil
}

// annotate adds each object's origin, and sets metadata.namespace to the
// release namespace on objects of namespaced built-in kinds, which Helm
// leaves to the API server. Kinds kubenix cannot place yet (custom
// resources) get their namespace later, from the origin, once the build's
// CRDs are known.
func annotate(res *Result, opts RenderOptions) []any {
	set, _ := schema.NewSet(opts.KubeVersion)
	out := make([]any, 0, len(res.Objects))
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
		if fi, err := os.Stat(opts.Chart); err == nil && fi.IsDir() {
			if abs, err := filepath.Abs(opts.Chart); err == nil {
				origin["file"] = TemplateFile(abs, r.Template)
			}
		}
		obj[manifest.OriginKey] = origin
		out = append(out, obj)
	}
	return out
}

func holdsPlaintextSecret(res *Result) bool {
	for _, r := range res.Objects {
		if secrets.IsPlaintextSecret(r.Object) {
			return true
		}
	}
	return false
}

func report(s Stat) {
	if b, err := json.Marshal(s); err == nil {
		fmt.Fprintf(os.Stderr, "%s%s\n", StatPrefix, b)
	}
}

func reportJSON(err error, req Request) string {
	r := eval.ErrorReport{Message: err.Error(), Call: req.Call}
	var te *TemplateError
	var ce *ChartError
	var ve *ValuesError
	switch {
	case errors.As(err, &te):
		r.Message, r.Hint, r.Line, r.Col = te.Msg, te.Hint, te.Line, te.Col
		if req.Render != nil && te.Template != "" {
			r.File = te.Template
			if fi, err := os.Stat(req.Render.Chart); err == nil && fi.IsDir() {
				if abs, err := filepath.Abs(req.Render.Chart); err == nil {
					r.File = TemplateFile(abs, te.Template)
				}
			}
		}
		r.Message = fmt.Sprintf("chart %s: %s", te.Chart, r.Message)
	case errors.As(err, &ce):
		r.Message, r.Hint = ce.Msg, ce.Hint
	case errors.As(err, &ve):
		r.Message = fmt.Sprintf("chart %s: values do not match %s: %s", ve.Chart, ve.Schema, strings.TrimSpace(ve.Msg))
		r.Hint = "fix the values passed to kubenix.helm.chart"
		if req.Render != nil {
			if fi, err := os.Stat(req.Render.Chart); err == nil && fi.IsDir() {
				if abs, err := filepath.Abs(req.Render.Chart); err == nil {
					if f := TemplateFile(abs, ve.Schema); f != "" {
						if _, err := os.Stat(f); err == nil {
							r.File = f
						}
					}
				}
			}
		}
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// parseYAML reads a multi-document YAML string the way kubectl does; one
// document gives a value, several give a list.
func parseYAML(s string) ([]any, error) {
	var docs []any
	for _, doc := range splitYAML(s) {
		j, err := sigsyaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("fromYAML: %v", err)
		}
		v, err := manifest.DecodeJSON(j)
		if err != nil {
			return nil, err
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
	if docs == nil {
		docs = []any{}
	}
	return docs, nil
}

func splitYAML(s string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " \t") == "---" || strings.HasPrefix(line, "--- ") {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(docs, strings.Join(cur, "\n"))
}
