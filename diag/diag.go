// Package diag is the one place where problems become messages: the Diagnostic
// model every stage reports in, the exit-code rules, and the printers (text, json, github).
package diag

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a diagnostic fails the run.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Pos is a place in a source file: a .nix file the user wrote, a manifest, or a chart template.
// Line and Col are 1-based; zero means unknown.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

// IsZero reports whether the position is unknown.
func (p Pos) IsZero() bool { return p.File == "" }

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Diagnostic is one problem, with everything a user needs to act on it.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Pos      Pos      `json:"pos"`               // where the user wrote it
	Object   string   `json:"object,omitempty"`  // Kind/namespace/name
	Path     string   `json:"path,omitempty"`    // where in the evaluated tree (.web.deploy, .[3])
	Field    string   `json:"field,omitempty"`   // field path inside the object (spec.replicas)
	Reason   string   `json:"reason,omitempty"`  // machine-readable cause (FieldValueRequired, ...)
	Message  string   `json:"message"`           // what is wrong, and what was expected
	Detail   string   `json:"detail,omitempty"`  // verbatim context, e.g. Nix's own error frame
	Hint     string   `json:"hint,omitempty"`    // what to do about it
	Related  []Pos    `json:"related,omitempty"` // other places involved (the first duplicate, ...)
	// Identity names the object structurally, for the json format.
	Identity *Identity `json:"-"`
}

// Identity is an object's apiVersion, kind, namespace and name.
type Identity struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// Errorf returns an error diagnostic.
func Errorf(format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, Message: fmt.Sprintf(format, args...)}
}

// List is a batch of diagnostics, in the order they were found.
type List []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns l as an *InvalidInput error when it holds errors, nil otherwise.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return &InvalidInput{Diagnostics: l}
}

// InvalidInput is returned when the user's input is wrong (exit code 1). It
// carries every diagnostic of the run, not just the first.
type InvalidInput struct {
	Diagnostics List
}

func (e *InvalidInput) Error() string {
	n := 0
	var first string
	for _, d := range e.Diagnostics {
		if d.Severity == Error {
			if n == 0 {
				first = oneLine(d)
			}
			n++
		}
	}
	if n == 1 {
		return first
	}
	return fmt.Sprintf("%s (and %d more errors)", first, n-1)
}

func oneLine(d Diagnostic) string {
	var parts []string
	if s := d.Pos.String(); s != "" {
		parts = append(parts, s)
	}
	if d.Object != "" {
		parts = append(parts, d.Object)
	}
	if d.Field != "" {
		parts = append(parts, d.Field)
	}
	parts = append(parts, d.Message)
	return strings.Join(parts, ": ")
}

// UsageError is returned for a wrong command line or a missing tool: the
// input may be fine, but kubenix could not run (exit code 2).
type UsageError struct {
	Err  error
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// SortByPosition orders diagnostics by file, line and column, as a
// compiler reports them; diagnostics without a position keep their order
// and come first.
func SortByPosition(l List) {
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		if c := strings.Compare(a.Pos.File, b.Pos.File); c != 0 {
			return c
		}
		if c := a.Pos.Line - b.Pos.Line; c != 0 {
			return c
		}
		return a.Pos.Col - b.Pos.Col
	})
}

// Exit codes.
const (
	ExitOK      = 0
	ExitInvalid = 1 // the input is invalid
	ExitUsage   = 2 // usage or environment
)

// ExitCode maps an error to the process exit code: 1 for invalid input,
// 2 for everything else (usage, environment, I/O).
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var inv *InvalidInput
	if errors.As(err, &inv) {
		return ExitInvalid
	}
	return ExitUsage
}
