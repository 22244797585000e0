package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixcall"
	"github.com/kubenix/kubenix/nixstore"
)

// Options say what to evaluate and how to run Nix.
type Options struct {
	File           string   // the user's .nix file (or a directory with default.nix)
	Args           []Arg    // --arg / --argstr, in command-line order
	SearchPath     []string // -I entries, passed through to Nix
	NixInstantiate string   // the nix-instantiate executable; "" looks it up on PATH
	CacheDir       string   // where the embedded library is written once per version
	Version        string   // kubenix's version, visible to Nix code as kubenix.version
	// Context is what the kubenix library knows of the run: the
	// Kubernetes version, the default namespace, the lock.
	Context *nixcall.Context
	// Calls answers what the library asks of Go (Helm renders, YAML);
	// its replies directory is CacheDir. nil answers nothing: an app that
	// calls kubenix.helm.chart or kubenix.fromYAML then fails.
	Calls *nixcall.Server
}

// Arg is one function argument for the user's file.
type Arg struct {
	Name   string
	Value  string // a Nix expression, or a plain string when String is set
	String bool
}

// Result is an evaluated file.
type Result struct {
	Value    any    // the JSON tree: map[string]any, []any, string, int64, float64, bool, nil
	Objects  []Site // where each object-shaped attrset sits and was written
	StoreDir string
	// Context is the string context of the whole value: the store paths and
	// derivations its strings refer to, keyed by store path.
	Context map[string]ContextEntry
	// Stats are what the library reported of the calls it answered in the
	// last pass (chart renders, each Cached unless this evaluation asked
	// for it).
	Stats []nixcall.Stat
	// Passes is how many times Nix evaluated the file (see MaxPasses).
	Passes int
}

// MaxPasses bounds the fixpoint: an app whose calls depend on the answers
// of other calls (a chart's values taken from another chart's output)
// needs a pass per level.
const MaxPasses = 10

// Site places one object in the tree and in the source.
type Site struct {
	Path []any    // attribute names (string) and list indices (int) from the top
	Pos  diag.Pos // where its kind (or apiVersion) attribute was written
	Site diag.Pos // the nearest enclosing attribute, e.g. `web = mkApp {...};`
}

// ContextEntry is what Nix's builtins.getContext says of one store path.
type ContextEntry struct {
	Path    bool     `json:"path"`
	AllOuts bool     `json:"allOutputs"`
	Outputs []string `json:"outputs"`
}

// NotFoundHint tells users how to get Nix.
const NotFoundHint = nixstore.NotFoundHint

// FindNix resolves the nix-instantiate executable.
func FindNix(explicit string) (string, error) {
	name := explicit
	if name == "" {
		name = "nix-instantiate"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", &diag.UsageError{Err: fmt.Errorf("nix-instantiate not found (%s): kubenix evaluates with Nix", name), Hint: NotFoundHint}
	}
	return p, nil
}

// CheckNixInstantiate makes sure that an explicitly given nix-instantiate
// (--nix-instantiate) is one, before any work: it asks for its --version.
func CheckNixInstantiate(ctx context.Context, explicit string) error {
	bin, err := FindNix(explicit)
	if err != nil || explicit == "" {
		return err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	const hint = "check --nix-instantiate: it must be Nix's nix-instantiate (Nix 2.8 or later)"
	first, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), "\n")
	if first == "" {
		first, _, _ = strings.Cut(strings.TrimSpace(stderr.String()), "\n")
	}
	switch {
	case err != nil && first == "":
		return &diag.UsageError{Err: fmt.Errorf("--nix-instantiate %s: %s failed (%v) without saying why when asked its --version", explicit, bin, err), Hint: hint}
	case err != nil:
		return &diag.UsageError{Err: fmt.Errorf("--nix-instantiate %s: %s failed (%v) when asked its --version, saying %q; expected \"nix-instantiate (Nix) 2.x\"", explicit, bin, err, first), Hint: hint}
	case !strings.HasPrefix(first, "nix-instantiate (") || !strings.Contains(first, "Nix"):
		return &diag.UsageError{Err: fmt.Errorf("--nix-instantiate %s is not nix-instantiate: asked its --version, it says %q; expected \"nix-instantiate (Nix) 2.x\"", explicit, first), Hint: hint}
	}
	return nil
}

// Evaluate runs nix-instantiate on the user's file through entry.nix.
func Evaluate(ctx context.Context, opts Options) (*Result, error) {
	bin, err := FindNix(opts.NixInstantiate)
	if err != nil {
		return nil, err
	}
	file, err := userFile(opts.File)
	if err != nil {
		return nil, err
	}
	for _, a := range opts.Args {
		if !validArgName(a.Name) {
			return nil, diag.Usagef("invalid argument name %q", a.Name)
		}
	}
	entry, err := Materialise(opts.CacheDir, opts.Version)
	if err != nil {
		return nil, &diag.UsageError{Err: err, Hint: "set XDG_CACHE_HOME to a writable directory"}
	}
	r := &runner{bin: bin, entry: entry, file: file, opts: opts}
	defer r.cleanup()
	out, stderr, trace, err := r.fixpoint(ctx, "eval")
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, err
		}
		if len(bytes.TrimSpace(stderr)) == 0 {
			return nil, &diag.UsageError{Err: fmt.Errorf("%s failed (%v) without saying why", bin, ee), Hint: "check --nix-instantiate: it must be Nix's nix-instantiate"}
		}
		return nil, r.explain(ctx, stderr)
	}
	res, err := decodeResult(out)
	if err != nil {
		return nil, r.outputError(ctx, err, true)
	}
	res.Stats, res.Passes = trace.Stats, r.passes
	for i := range res.Stats {
		res.Stats[i].Cached = !r.answered[res.Stats[i].Key]
	}
	if hasFloat(res.Value) {
		// Nix printed its floats with 6 significant digits: ask again for
		// the value with each float written exactly (the cost of a second
		// evaluation, only for values that have floats).
		if res.Value, err = r.exactValue(ctx); err != nil {
			return nil, err
		}
	}
	for _, c := range res.Context {
		if c.Path {
			// A Nix path was copied to the store for the output; find out
			// whether the user put a path value (not a string) in the tree.
			if err := r.reportBad(ctx, nil); err != nil {
				return nil, err
			}
			break
		}
	}
	return res, nil
}

func userFile(p string) (string, error) {
	if p == "" {
		return "", diag.Usagef("no file to evaluate")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", &diag.UsageError{Err: fmt.Errorf("%s: no such file", p)}
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(abs, "default.nix")); err != nil {
			return "", diag.Usagef("%s is a directory without default.nix", p)
		}
		return abs, nil
	}
	// Nix would read a FIFO or a device forever.
	if err := userfile.Check(p, userfile.ManifestLimit); err != nil {
		return "", &diag.UsageError{Err: err}
	}
	return abs, nil
}

func validArgName(n string) bool {
	if n == "" || strings.HasPrefix(n, "__kubenix") {
		return false
	}
	for i, c := range n {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '\'')) {
			return false
		}
	}
	return true
}

type runner struct {
	bin, entry, file string
	opts             Options
	queries          string // JSON, for positions mode
	context          string // opts.Context as JSON, marshalled once
	// scratch is the evaluation's own directory (created when a pass asks
	// for something, removed at the end): errors.json, the failed calls so
	// far (nixcall.ErrorReport by key), and the replies no cache may keep.
	scratch  string
	answered map[string]bool
	passes   int
}

// Positions evaluates the file again to find where the user wrote each of
// the given paths (attribute names and list indices from the top of the
// value): the position of the deepest attribute along each path, or a zero
// Pos. Only the attributes along the paths are evaluated.
func Positions(ctx context.Context, opts Options, paths [][]any) ([]diag.Pos, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	bin, err := FindNix(opts.NixInstantiate)
	if err != nil {
		return nil, err
	}
	file, err := userFile(opts.File)
	if err != nil {
		return nil, err
	}
	entry, err := Materialise(opts.CacheDir, opts.Version)
	if err != nil {
		return nil, err
	}
	q, err := json.Marshal(paths)
	if err != nil {
		return nil, err
	}
	r := &runner{bin: bin, entry: entry, file: file, opts: opts, queries: string(q)}
	defer r.cleanup()
	// Replies that no cache keeps (a render with a plaintext Secret) are
	// asked for again: positions need the same value.
	out, stderr, _, err := r.fixpoint(ctx, "positions")
	if err != nil {
		return nil, fmt.Errorf("finding positions: %s", parseNixError(stderr).Message)
	}
	v, err := manifest.DecodeJSON(out)
	if err != nil {
		return nil, err
	}
	l, _ := v.([]any)
	pos := make([]diag.Pos, len(paths))
	for i := range pos {
		if i < len(l) {
			pos[i] = posFrom(l[i])
		}
	}
	return pos, nil
}

// fixpoint evaluates the file in mode until a pass asks the library's
// calls nothing new (see package nixcall): it returns the last pass's
// output and what that pass traced. An evaluation error of a pass that
// asked for something is not the user's concern yet: it may come from a
// placeholder.
func (r *runner) fixpoint(ctx context.Context, mode string) (out, stderr []byte, trace nixcall.Trace, err error) {
	r.answered = map[string]bool{}
	failed := map[string]nixcall.ErrorReport{}
	for r.passes = 1; ; r.passes++ {
		out, stderr, err = r.run(ctx, mode)
		if ctx.Err() != nil {
			return nil, nil, trace, ctx.Err()
		}
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return nil, nil, trace, fmt.Errorf("running %s: %w", r.bin, err)
		}
		var perr error
		trace, perr = nixcall.ParseTrace(stderr)
		var forged *nixcall.ForgedError
		if errors.As(perr, &forged) {
			return nil, nil, trace, diag.List{{Severity: diag.Error, Pos: diag.Pos{File: r.file}, Message: forged.Error(),
				Hint: "kubenix.helm.chart and kubenix.fromYAML make requests; Nix code does not write them itself"}}.Err()
		} else if perr != nil {
			return nil, nil, trace, perr
		}
		var fresh []nixcall.Request
		for _, q := range trace.Requests {
			if !r.answered[q.Key] {
				fresh = append(fresh, q)
			}
		}
		switch {
		case len(fresh) == 0 && len(trace.Requests) > 0:
			return nil, nil, trace, &diag.UsageError{Err: fmt.Errorf("the evaluation asked again for an answer kubenix gave (in %s)", r.opts.CacheDir),
				Hint: "kubenix answers Nix through its cache directory; is something else removing files there?"}
		case len(fresh) == 0:
			return out, stderr, trace, err
		case r.opts.Calls == nil:
			return nil, nil, trace, fmt.Errorf("this evaluation cannot answer kubenix.helm.chart or kubenix.fromYAML")
		case r.passes == MaxPasses:
			return nil, nil, trace, diag.List{{Severity: diag.Error, Pos: diag.Pos{File: r.file},
				Message: fmt.Sprintf("after %d evaluations the app still asks for new chart renders or YAML parses (%d more)", MaxPasses, len(fresh)),
				Hint:    "each call whose arguments come from another call's result needs one more evaluation; is there a chain of charts, or a call whose arguments change each time?"}}.Err()
		}
		if r.scratch == "" {
			if r.scratch, err = os.MkdirTemp("", "kubenix-eval-"); err != nil {
				return nil, nil, trace, &diag.UsageError{Err: err, Hint: "set TMPDIR to a writable directory"}
			}
		}
		errs, aerr := r.opts.Calls.Answer(ctx, fresh, r.scratch)
		if aerr != nil {
			return nil, nil, trace, aerr
		}
		for _, q := range fresh {
			r.answered[q.Key] = true
		}
		if len(errs) > 0 {
			for k, e := range errs {
				failed[k] = e
			}
			if err := r.writeErrors(failed); err != nil {
				return nil, nil, trace, err
			}
		}
	}
}

// writeErrors gives the failed calls to the next passes, in a file (a
// message can be longer than a command-line argument may be).
func (r *runner) writeErrors(failed map[string]nixcall.ErrorReport) error {
	b, err := json.Marshal(failed)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.scratch, "errors.json"), b, 0o600)
}

func (r *runner) cleanup() {
	if r.scratch != "" {
		os.RemoveAll(r.scratch)
	}
}

func (r *runner) run(ctx context.Context, mode string) ([]byte, []byte, error) {
	// Nix code never runs programs: builtins.exec stays off (Nix defines
	// it only with allow-unsafe-native-code-during-evaluation), and so
	// does import from derivation, which would build (run) a derivation
	// while evaluating. The library's calls into Go go through
	// fixpoint.
	// Read-write mode writes the .drv files of derivations the value
	// refers to (kubenix.image), so that they can be built.
	args := []string{"--eval", "--strict", "--json", "--read-write-mode",
		"--option", "allow-unsafe-native-code-during-evaluation", "false",
		"--option", "allow-import-from-derivation", "false"}
	for _, p := range r.opts.SearchPath {
		args = append(args, "-I", p)
	}
	if mode == "trace" { // the evaluation again, with Nix's trace of calls
		args, mode = append(args, "--show-trace"), "eval"
	}
	args = append(args, r.entry, "--argstr", "__kubenixFile", r.file)
	if mode != "eval" {
		args = append(args, "--argstr", "__kubenixMode", mode)
	}
	if r.queries != "" {
		args = append(args, "--argstr", "__kubenixQueries", r.queries)
	}
	if r.opts.Context != nil {
		if r.context == "" {
			b, err := json.Marshal(r.opts.Context)
			if err != nil {
				return nil, nil, err
			}
			r.context = string(b)
		}
		args = append(args, "--argstr", "__kubenixContext", r.context)
	}
	if r.opts.CacheDir != "" {
		args = append(args, "--argstr", "__kubenixReplies", r.opts.CacheDir)
	}
	if r.scratch != "" {
		args = append(args, "--argstr", "__kubenixScratch", r.scratch)
	}
	for _, a := range r.opts.Args {
		flag := "--arg"
		if a.String {
			flag = "--argstr"
		}
		args = append(args, flag, a.Name, a.Value)
	}
	cmd := exec.CommandContext(ctx, r.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.Bytes(), err
}

// hasFloat reports whether a decoded value has a float: one that Nix may
// have rounded.
func hasFloat(v any) bool {
	switch t := v.(type) {
	case float64:
		return true
	case map[string]any:
		for _, e := range t {
			if hasFloat(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasFloat(e) {
				return true
			}
		}
	}
	return false
}

// exactValue evaluates the value again with its floats written exactly
// (entry.nix's floats mode; manifest.DecodeJSON reads them back).
func (r *runner) exactValue(ctx context.Context) (any, error) {
	out, stderr, err := r.run(ctx, "floats")
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, r.explain(ctx, stderr)
	}
	v, err := manifest.DecodeJSON(out)
	if err != nil {
		return nil, r.outputError(ctx, err, false)
	}
	return v, nil
}

// outputError explains Nix output kubenix cannot read. A value nested too
// deeply or a float JSON cannot hold (inf, nan) is the user's: an error at
// where the value was written (the deepest attribute along its path).
// Anything else that is not JSON means the program is not nix-instantiate.
// inEval says the output is eval mode's, whose value is under "value".
func (r *runner) outputError(ctx context.Context, err error, inEval bool) error {
	var je *manifest.JSONError
	if errors.As(err, &je) && je.Problem != manifest.JSONSyntax {
		path := je.Path
		if inEval && len(path) > 0 && path[0] == "value" {
			path = path[1:]
		}
		d := diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: r.file}, Path: shortPath(path)}
		switch je.Problem {
		case manifest.JSONTooDeep:
			d.Message = fmt.Sprintf("the value is nested more than %d levels deep, more than kubenix reads", manifest.MaxJSONDepth)
			d.Hint = "is a function building a value from itself without end?"
		default:
			d.Message = je.Msg
		}
		if pos, perr := Positions(ctx, r.opts, [][]any{queryPath(path)}); perr == nil && len(pos) == 1 && !pos[0].IsZero() {
			d.Pos = pos[0]
		}
		return diag.List{d}.Err()
	}
	return &diag.UsageError{Err: fmt.Errorf("%s did not answer as nix-instantiate does: %w", r.bin, err),
		Hint: "check --nix-instantiate: it must be Nix's nix-instantiate (Nix 2.8 or later)"}
}

// shortPath shows a tree path, its middle left out when it is long.
func shortPath(p []any) string {
	if len(p) > 12 {
		return manifest.Path(p[:6]).String() + fmt.Sprintf(" … (%d levels) … ", len(p)-9) + manifest.Path(p[len(p)-3:]).String()
	}
	return manifest.Path(p).String()
}

// queryPath keeps a positions query within what one command-line argument
// may hold (128 KiB): the deepest attribute along a prefix of a very deep
// path is, for a value built by a recursive function, where it recurses.
func queryPath(p []any) []any {
	n := 0
	for i, s := range p {
		if n += len(fmt.Sprint(s)) + 4; n > 100<<10 {
			return p[:i]
		}
	}
	return p
}

func decodeResult(out []byte) (*Result, error) {
	v, err := manifest.DecodeJSON(out)
	if err != nil {
		return nil, err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("unexpected output shape")
	}
	res := &Result{Value: top["value"], Context: map[string]ContextEntry{}}
	res.StoreDir, _ = top["storeDir"].(string)
	if ctx, ok := top["context"].(map[string]any); ok {
		for p, e := range ctx {
			m, _ := e.(map[string]any)
			ce := ContextEntry{}
			ce.Path, _ = m["path"].(bool)
			ce.AllOuts, _ = m["allOutputs"].(bool)
			if outs, ok := m["outputs"].([]any); ok {
				for _, o := range outs {
					if s, ok := o.(string); ok {
						ce.Outputs = append(ce.Outputs, s)
					}
				}
			}
			res.Context[p] = ce
		}
	}
	objs, _ := top["objects"].([]any)
	res.Objects = make([]Site, 0, len(objs))
	for _, o := range objs {
		m, _ := o.(map[string]any)
		path, _ := m["path"].([]any)
		for i, seg := range path {
			if n, ok := seg.(int64); ok {
				path[i] = int(n)
			}
		}
		res.Objects = append(res.Objects, Site{Path: path, Pos: posFrom(m["pos"]), Site: posFrom(m["site"])})
	}
	return res, nil
}

// posFrom reads a position as builtins.unsafeGetAttrPos returns it.
func posFrom(v any) diag.Pos {
	m, ok := v.(map[string]any)
	if !ok {
		return diag.Pos{}
	}
	p := diag.Pos{}
	p.File, _ = m["file"].(string)
	if l, ok := m["line"].(int64); ok {
		p.Line = int(l)
	}
	if c, ok := m["column"].(int64); ok {
		p.Col = int(c)
	}
	return p
}

type nixPos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func (p *nixPos) pos() diag.Pos {
	if p == nil {
		return diag.Pos{}
	}
	return diag.Pos{File: p.File, Line: p.Line, Col: p.Column}
}

type rawSite struct {
	Path rawTreePath `json:"path"`
	Pos  *nixPos     `json:"pos"`
	Site *nixPos     `json:"site"`
}

// rawTreePath is a JSON list of attribute names and list indices.
type rawTreePath []any

func (p rawTreePath) decode() []any {
	out := make([]any, len(p))
	for i, s := range p {
		if f, ok := s.(float64); ok {
			out[i] = int(f)
		} else {
			out[i] = s
		}
	}
	return out
}
