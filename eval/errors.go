package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixcall"
)

// nixError is Nix's error output, taken apart.
type nixError struct {
	Message string   // the text after "error: "
	Pos     diag.Pos // the first "at FILE:LINE:COL:" of the frame, if any
	Frame   string   // Nix's code frame, verbatim
	Traces  []string // builtins.trace output, in order
}

var atLine = regexp.MustCompile(`^\s*at (.+):(\d+):(\d+):$`)

func parseNixError(stderr []byte) nixError {
	var e nixError
	var frame []string
	state := 0 // 0 before "error:", 1 in message, 2 in frame
	sc := bufio.NewScanner(strings.NewReader(string(stderr)))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "trace: "):
			e.Traces = append(e.Traces, strings.TrimPrefix(line, "trace: "))
			continue
		case state == 0 && strings.HasPrefix(line, "error: "):
			e.Message = strings.TrimPrefix(line, "error: ")
			state = 1
			continue
		case strings.HasPrefix(line, "(use '--show-trace'"):
			continue
		}
		switch state {
		case 1:
			if strings.TrimSpace(line) == "" || atLine.MatchString(line) {
				state = 2
			} else {
				e.Message += "\n" + line
				continue
			}
			fallthrough
		case 2:
			frame = append(frame, line)
			if m := atLine.FindStringSubmatch(line); m != nil && e.Pos.IsZero() {
				l, _ := strconv.Atoi(m[2])
				c, _ := strconv.Atoi(m[3])
				e.Pos = diag.Pos{File: m[1], Line: l, Col: c}
			}
		}
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(stderr))
	}
	e.Frame = strings.Trim(strings.Join(frame, "\n"), "\n")
	return e
}

// cmdLineExpr is the file Nix names for an expression given on its command
// line: an --arg.
const cmdLineExpr = "«string»"

// argError names the --arg whose expression Nix refused (one that does not
// parse, names an undefined variable, or fails when evaluated): a usage
// error at the flag, not an error in the user's file. With several --arg,
// each is parsed alone to find the one at fault.
func (r *runner) argError(ctx context.Context, ne nixError) error {
	var exprs []Arg
	for _, a := range r.opts.Args {
		if !a.String {
			exprs = append(exprs, a)
		}
	}
	if len(exprs) == 0 {
		return nil
	}
	culprits := exprs
	if len(exprs) > 1 {
		for _, a := range exprs {
			// Parenthesised, so that a value starting with '-' is not an option.
			if exec.CommandContext(ctx, r.bin, "--parse", "-E", "(\n"+a.Value+"\n)").Run() != nil {
				culprits = []Arg{a}
				break
			}
		}
	}
	names := make([]string, len(culprits))
	for i, a := range culprits {
		names[i] = fmt.Sprintf("--arg %s %q", a.Name, a.Value)
	}
	msg := strings.SplitN(ne.Message, "\n", 2)[0]
	if ne.Pos.Line > 0 {
		msg = fmt.Sprintf("%s (at %d:%d of the expression)", msg, ne.Pos.Line, ne.Pos.Col)
	}
	return &diag.UsageError{Err: fmt.Errorf("%s: not a Nix expression kubenix can pass: %s", strings.Join(names, ", "), msg),
		Hint: "--arg takes a Nix expression (--arg replicas 3, --arg tags '[ \"a\" ]'); for a string, use --argstr NAME VALUE"}
}

// inFile reports whether a Nix position is in a real file (not «string»).
func inFile(p diag.Pos) bool {
	return strings.HasPrefix(p.File, "/")
}

// internal reports whether a position is in entry.nix or call.nix,
// kubenix's own glue, which means nothing to the user.
func (r *runner) internal(p diag.Pos) bool {
	return p.File == r.entry || p.File == filepath.Join(filepath.Dir(r.entry), "call.nix")
}

var posInMessage = regexp.MustCompile(`at (/[^ :]+):(\d+):(\d+)`)

// messagePos finds a position Nix mentions inside the message itself, as in
// "anonymous function at /app.nix:1:1 called without required argument".
func messagePos(msg string) diag.Pos {
	m := posInMessage.FindStringSubmatch(msg)
	if m == nil {
		return diag.Pos{}
	}
	l, _ := strconv.Atoi(m[2])
	c, _ := strconv.Atoi(m[3])
	return diag.Pos{File: m[1], Line: l, Col: c}
}

var (
	missingArg  = regexp.MustCompile(`called without required argument '([^']+)'`)
	missingFile = regexp.MustCompile(`getting status of '([^']+)': No such file or directory`)
)

// explain turns a failed evaluation into a diagnostic. Where Nix gives no
// position (throw, assert, a missing import), a second evaluation locates
// the attribute that fails.
func (r *runner) explain(ctx context.Context, stderr []byte) error {
	ne := parseNixError(stderr)
	if ne.Pos.File == cmdLineExpr {
		if err := r.argError(ctx, ne); err != nil {
			return err
		}
	}
	if rest, ok := strings.CutPrefix(ne.Message, nixcall.ErrorPrefix); ok {
		return r.helperError(ctx, rest, ne)
	}
	if msg, ok := strings.CutPrefix(ne.Message, "kubenix: "); ok {
		err := &diag.UsageError{Err: fmt.Errorf("%s", msg)}
		if strings.Contains(msg, "argument '") { // call.nix: an --arg the file does not take
			err.Hint = "the file's function arguments are its parameters: `{ kubenix, env ? \"dev\" }: ...`"
		}
		return err
	}
	if strings.HasPrefix(ne.Message, "cannot convert a function to JSON") {
		if err := r.reportBad(ctx, &ne); err != nil {
			return err
		}
	}
	d := diag.Diagnostic{Severity: diag.Error, Message: ne.Message, Detail: ne.Frame, Pos: ne.Pos}
	if msg, hint, ok := unsafeCall(ne); ok {
		d.Message, d.Hint, d.Detail = msg, hint, strings.TrimRight(didYouMean.ReplaceAllString(ne.Frame, ""), " \n")
	}
	if r.internal(ne.Pos) {
		d.Pos, d.Detail = messagePos(ne.Message), ""
	}
	if !strings.HasPrefix(ne.Message, "syntax error") && !strings.HasPrefix(ne.Message, "undefined variable") {
		if path, pos, ok := r.locate(ctx); ok {
			d.Path = manifest.Path(path).String()
			if !inFile(d.Pos) && !pos.IsZero() {
				d.Pos = pos
			}
		}
	}
	if !inFile(d.Pos) {
		if d.Pos.IsZero() {
			d.Pos = diag.Pos{File: r.file}
		}
	}
	if d.Hint == "" {
		d.Hint = hintFor(ne.Message)
	}
	return diag.List{d}.Err()
}

// helperError reports a failure of a kubenix helper (a chart that does
// not render) at the chart file and line, with the Nix call site as the
// place it was asked for.
func (r *runner) helperError(ctx context.Context, report string, ne nixError) error {
	var rep nixcall.ErrorReport
	if err := json.Unmarshal([]byte(report), &rep); err != nil {
		rep.Message = report
	}
	d := diag.Diagnostic{Severity: diag.Error, Message: rep.Message, Hint: rep.Hint}
	if rep.File != "" {
		d.Pos = diag.Pos{File: rep.File, Line: rep.Line, Col: rep.Col}
	}
	var call diag.Pos
	if c := rep.Call; c != nil {
		call = diag.Pos{File: c.File, Line: c.Line, Col: c.Column}
	} else {
		call = r.callSite(ctx)
	}
	if path, pos, ok := r.locate(ctx); ok {
		d.Path = manifest.Path(path).String()
		if call.IsZero() {
			call = pos
		}
	}
	switch {
	case d.Pos.IsZero() && !call.IsZero():
		d.Pos = call
	case d.Pos.IsZero():
		d.Pos = diag.Pos{File: r.file}
	case !call.IsZero():
		d.Related = []diag.Pos{call}
	}
	return diag.List{d}.Err()
}

// callSite finds, in Nix's trace of the failed evaluation, the innermost
// call made in the user's code (not the library's): where a call such as
// kubenix.fromYAML, whose arguments carry no position, was written.
func (r *runner) callSite(ctx context.Context) diag.Pos {
	_, stderr, err := r.run(ctx, "trace")
	if err == nil {
		return diag.Pos{}
	}
	lib := filepath.Dir(r.entry) + string(filepath.Separator)
	fromCall := false
	for _, line := range strings.Split(string(stderr), "\n") {
		if strings.TrimSpace(line) == "… from call site" {
			fromCall = true
			continue
		}
		m := atLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if fromCall && strings.HasPrefix(m[1], "/") && !strings.HasPrefix(m[1], lib) {
			l, _ := strconv.Atoi(m[2])
			c, _ := strconv.Atoi(m[3])
			return diag.Pos{File: m[1], Line: l, Col: c}
		}
		fromCall = false
	}
	return diag.Pos{}
}

var (
	nativeCall = regexp.MustCompile(`^(?:attribute '(exec|importNative)' missing|undefined variable '__(exec|importNative)')$`)
	didYouMean = regexp.MustCompile(`(?m)^\s*Did you mean .*$`)
	ifd        = regexp.MustCompile(`^cannot build '([^']+)' during evaluation because the option 'allow-import-from-derivation' is disabled`)
)

// unsafeCall explains the errors of Nix code that tries to run a program
// while kubenix evaluates it: builtins.exec and builtins.importNative
// (which Nix defines only with allow-unsafe-native-code-during-evaluation),
// and import from derivation. kubenix enables none of them.
func unsafeCall(ne nixError) (msg, hint string, ok bool) {
	if m := nativeCall.FindStringSubmatch(ne.Message); m != nil {
		name := m[1] + m[2]
		if m[1] != "" && !strings.Contains(ne.Frame, "builtins."+name) && !strings.Contains(ne.Frame, "builtins ."+name) {
			return "", "", false // another attribute set's `exec`
		}
		return fmt.Sprintf("the file calls builtins.%s, which runs a program: kubenix never lets Nix code run programs, so Nix does not define it here (kubenix does not enable allow-unsafe-native-code-during-evaluation)", name),
			"render charts with kubenix.helm.chart and parse YAML with kubenix.fromYAML; build anything else as a derivation and pass its path with --argstr", true
	}
	if m := ifd.FindStringSubmatch(ne.Message); m != nil {
		return fmt.Sprintf("the file reads the output of %s while it is evaluated (import from derivation), which would run its builder: kubenix never lets Nix code run programs", m[1]),
			"build it first (nix build) and pass the result with --argstr, or read the file from the source tree", true
	}
	return "", "", false
}

func hintFor(msg string) string {
	if m := missingArg.FindStringSubmatch(msg); m != nil {
		switch m[1] {
		case "pkgs", "lib":
			return fmt.Sprintf("kubenix passes `%s` only when <nixpkgs> is on the search path: add -I nixpkgs=PATH or set NIX_PATH, or give it a default", m[1])
		}
		return fmt.Sprintf("pass it with --argstr %s VALUE (a string) or --arg %s EXPR (a Nix expression), or give it a default: `%s ? ...`", m[1], m[1], m[1])
	}
	if m := missingFile.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("an import, readFile or path refers to %s, which does not exist", m[1])
	}
	if strings.HasPrefix(msg, "undefined variable") {
		return "if it should come from the command line, add it to the file's function arguments and pass --arg/--argstr"
	}
	return ""
}

// locate runs entry.nix in locate mode and returns the tree path and
// position of the innermost failing attribute.
func (r *runner) locate(ctx context.Context) ([]any, diag.Pos, bool) {
	out, stderr, err := r.run(ctx, "locate")
	var site rawSite
	if err == nil {
		if json.Unmarshal(out, &site) != nil {
			return nil, diag.Pos{}, false
		}
	} else {
		// An error tryEval cannot catch ended the run: the last child tried is
		// where it happened.
		traces := parseNixError(stderr).Traces
		found := false
		for i := len(traces) - 1; i >= 0 && !found; i-- {
			if rest, ok := strings.CutPrefix(traces[i], "kubenix-try "); ok {
				found = json.Unmarshal([]byte(rest), &site) == nil
			}
		}
		if !found {
			return nil, diag.Pos{}, false
		}
	}
	if len(site.Path) == 0 {
		return nil, diag.Pos{}, false
	}
	return site.Path.decode(), site.Pos.pos(), true
}

// reportBad finds function and path values in the output tree and reports
// each. It returns nil when there are none.
func (r *runner) reportBad(ctx context.Context, cause *nixError) error {
	out, stderr, err := r.run(ctx, "bad")
	if err != nil {
		ne := parseNixError(stderr)
		return diag.List{{Severity: diag.Error, Pos: ne.Pos, Message: ne.Message, Detail: ne.Frame}}.Err()
	}
	var bad []struct {
		rawSite
		Type string `json:"type"`
	}
	if err := json.Unmarshal(out, &bad); err != nil {
		return fmt.Errorf("reading Nix output: %w", err)
	}
	var l diag.List
	for _, b := range bad {
		d := diag.Diagnostic{Severity: diag.Error, Pos: b.Pos.pos(), Path: manifest.Path(b.Path.decode()).String()}
		if d.Pos.IsZero() {
			d.Pos = diag.Pos{File: r.file}
		}
		switch b.Type {
		case "lambda":
			d.Message = "a function cannot be part of a manifest"
			d.Hint = "call it (is an argument missing?) or remove it from the output"
			if cause != nil {
				d.Detail = cause.Frame
			}
		default:
			d.Message = "a Nix path cannot be part of a manifest (it would be copied to the Nix store and written as a store path)"
			d.Hint = "use builtins.readFile to embed the file's contents, or a string"
		}
		l = append(l, d)
	}
	return l.Err()
}
