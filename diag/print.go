package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Printer renders diagnostics in one output format.
type Printer interface {
	Print(Diagnostic)
	// Flush ends the output; sum, when not nil, is a run's summary.
	Flush(sum *Summary) error
}

// Summary counts what a run checked.
type Summary struct {
	Objects  int `json:"objects"` // objects checked
	Invalid  int `json:"invalid"` // objects with at least one error
	Errors   int `json:"errors"`  // all errors, of objects and otherwise
	Warnings int `json:"warnings"`
}

// Formats lists the names NewPrinter accepts.
var Formats = []string{"text", "json", "github"}

// PrintOptions tune how positions and colours are shown.
type PrintOptions struct {
	Color   bool   // ANSI colours (the caller decides: on for a terminal only)
	BaseDir string // file names under this directory are shown relative to it
}

// NewPrinter returns the printer for format ("text", "json" or "github").
func NewPrinter(format string, w io.Writer, opts PrintOptions) (Printer, error) {
	switch format {
	case "", "text":
		return &textPrinter{w: w, opts: opts}, nil
	case "json":
		return &jsonPrinter{w: w, opts: opts}, nil
	case "github":
		return &githubPrinter{w: w, opts: opts}, nil
	}
	return nil, Usagef("unknown output format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

func (o PrintOptions) rel(p Pos) Pos {
	if o.BaseDir == "" || !filepath.IsAbs(p.File) {
		return p
	}
	if r, err := filepath.Rel(o.BaseDir, p.File); err == nil && !strings.HasPrefix(r, "..") {
		p.File = r
	}
	return p
}

type textPrinter struct {
	w    io.Writer
	opts PrintOptions
}

const (
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[1;33m"
	ansiDim    = "\x1b[2m"
	ansiReset  = "\x1b[0m"
)

func (p *textPrinter) paint(code, s string) string {
	if !p.opts.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p *textPrinter) Print(d Diagnostic) {
	d = printableDiagnostic(d)
	var b strings.Builder
	if pos := p.opts.rel(d.Pos).String(); pos != "" {
		b.WriteString(p.paint(ansiBold, pos+":") + " ")
	}
	sev := string(d.Severity)
	if d.Severity == Warning {
		b.WriteString(p.paint(ansiYellow, sev+":"))
	} else {
		b.WriteString(p.paint(ansiRed, sev+":"))
	}
	b.WriteString(" ")
	if d.Object != "" {
		b.WriteString(d.Object + ": ")
	}
	if d.Field != "" {
		b.WriteString(d.Field + ": ")
	}
	b.WriteString(indentRest(d.Message, "  "))
	b.WriteString("\n")
	if d.Path != "" {
		fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiDim, "in"), d.Path)
	}
	for _, r := range d.Related {
		if s := p.opts.rel(r).String(); s != "" {
			fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiDim, "see also"), s)
		}
	}
	if d.Detail != "" {
		b.WriteString(strings.TrimRight(d.Detail, "\n") + "\n")
	}
	if d.Hint != "" {
		fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiBold, "hint:"), indentRest(d.Hint, "  "))
	}
	io.WriteString(p.w, b.String())
}

// printableDiagnostic escapes what in d could act on a terminal or break a
// line that must stay one (see Printable); JSON output escapes by itself.
func printableDiagnostic(d Diagnostic) Diagnostic {
	d.Pos.File = Printable(d.Pos.File, true)
	d.Object, d.Field, d.Path = Printable(d.Object, true), Printable(d.Field, true), Printable(d.Path, true)
	d.Message, d.Detail, d.Hint = Printable(d.Message, false), Printable(d.Detail, false), Printable(d.Hint, false)
	if d.Related != nil {
		related := make([]Pos, len(d.Related))
		for i, r := range d.Related {
			r.File = Printable(r.File, true)
			related[i] = r
		}
		d.Related = related
	}
	return d
}

func indentRest(s, indent string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+indent)
}

func (p *textPrinter) Flush(sum *Summary) error {
	if sum == nil {
		return nil
	}
	line := fmt.Sprintf("%d objects checked", sum.Objects)
	if sum.Invalid > 0 {
		line += fmt.Sprintf(", %d invalid", sum.Invalid)
	}
	line += fmt.Sprintf(": %d errors, %d warnings", sum.Errors, sum.Warnings)
	_, err := fmt.Fprintln(p.w, line)
	return err
}

// jsonPrinter groups diagnostics by object:
//
//	{"objects": [{"object": "Deployment/web/web", "apiVersion": ..., "kind": ...,
//	              "namespace": ..., "name": ..., "source": {file, line, column},
//	              "path": ".web", "errors": [...], "warnings": [...]}],
//	 "diagnostics": [problems that belong to no object],
//	 "summary": {...}}
//
// where each error or warning has field, reason (the API server's
// FieldValueRequired, FieldValueInvalid, ...), message, pos and hint.
type jsonPrinter struct {
	w       io.Writer
	opts    PrintOptions
	objects []*jsonObject
	byKey   map[string]*jsonObject
	loose   []Diagnostic
}

type jsonObject struct {
	Object string `json:"object"`
	*Identity
	Source   Pos         `json:"source"`
	Path     string      `json:"path,omitempty"`
	Errors   []jsonIssue `json:"errors"`
	Warnings []jsonIssue `json:"warnings"`
}

type jsonIssue struct {
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
	Pos     Pos    `json:"pos"`
	Hint    string `json:"hint,omitempty"`
}

func (p *jsonPrinter) Print(d Diagnostic) {
	d.Pos = p.opts.rel(d.Pos)
	for i := range d.Related {
		d.Related[i] = p.opts.rel(d.Related[i])
	}
	if d.Object == "" {
		p.loose = append(p.loose, d)
		return
	}
	if p.byKey == nil {
		p.byKey = map[string]*jsonObject{}
	}
	key := d.Object + "\x00" + d.Path
	o, ok := p.byKey[key]
	if !ok {
		o = &jsonObject{Object: d.Object, Identity: d.Identity, Source: d.Pos, Path: d.Path, Errors: []jsonIssue{}, Warnings: []jsonIssue{}}
		p.byKey[key] = o
		p.objects = append(p.objects, o)
	}
	is := jsonIssue{Field: d.Field, Reason: d.Reason, Message: d.Message, Pos: d.Pos, Hint: d.Hint}
	if d.Severity == Warning {
		o.Warnings = append(o.Warnings, is)
	} else {
		o.Errors = append(o.Errors, is)
	}
}

func (p *jsonPrinter) Flush(sum *Summary) error {
	out := struct {
		Objects     []*jsonObject `json:"objects"`
		Diagnostics []Diagnostic  `json:"diagnostics"`
		Summary     *Summary      `json:"summary,omitempty"`
	}{Objects: p.objects, Diagnostics: p.loose, Summary: sum}
	if out.Objects == nil {
		out.Objects = []*jsonObject{}
	}
	if out.Diagnostics == nil {
		out.Diagnostics = []Diagnostic{}
	}
	enc := json.NewEncoder(p.w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// githubPrinter writes GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request's files.
type githubPrinter struct {
	w    io.Writer
	opts PrintOptions
}

func (p *githubPrinter) Print(d Diagnostic) {
	d = printableDiagnostic(d)
	pos := p.opts.rel(d.Pos)
	var props []string
	if pos.File != "" {
		props = append(props, "file="+ghProperty(pos.File))
		if pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", pos.Line))
		}
		if pos.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", pos.Col))
		}
	}
	if title := strings.TrimSuffix(strings.Join(nonEmpty(d.Object, d.Field), " "), " "); title != "" {
		props = append(props, "title="+ghProperty(title))
	}
	msg := d.Message
	if d.Hint != "" {
		msg += "\nhint: " + d.Hint
	}
	cmd := "error"
	if d.Severity == Warning {
		cmd = "warning"
	}
	fmt.Fprintf(p.w, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghData(msg))
}

func (p *githubPrinter) Flush(*Summary) error { return nil }

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ghData and ghProperty escape as the Actions runner's command parser expects.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
