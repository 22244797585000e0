package nixcall

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// The lines the library writes to standard error, after Nix's "trace: ".
const (
	// RequestPrefix starts a request: `kubenix-request KEY TEXT`.
	RequestPrefix = "kubenix-request "
	// StatPrefix starts what a call that was answered reports: a Stat as JSON.
	StatPrefix = "kubenix-stat "
	// ErrorPrefix starts the message a failed call throws: the rest is an
	// ErrorReport as JSON.
	ErrorPrefix = "kubenix-error:"
)

// Context is what the kubenix library knows of the run (`context` in
// eval/nix/lib/default.nix), given to Nix as JSON once per evaluation.
type Context struct {
	Version       string   `json:"version"`               // kubenix's version (part of every key)
	KubeVersion   string   `json:"kubeVersion"`           // the build's Kubernetes version
	Namespace     string   `json:"namespace"`             // the default release namespace
	APIVersions   []string `json:"apiVersions,omitempty"` // .Capabilities.APIVersions for charts
	Strict        bool     `json:"strict"`                // a chart that renders differently each time is an error
	ImageRegistry string   `json:"imageRegistry"`
	Lock          Lock     `json:"lock"`
}

// Lock is what the library needs of kubenix.lock.
type Lock struct {
	Charts map[string]any `json:"charts,omitempty"` // lock.File.ChartsForNix
}

// Request is one call the library could not answer yet.
type Request struct {
	Key  string // the sha256 of Text, in hex
	Text string // the request's JSON, as Nix wrote it (see args)
}

// ErrorReport is a failed call, placed where the user can act on it (a
// chart template file and line).
type ErrorReport struct {
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Hint    string `json:"hint,omitempty"`
	// Call is where the Nix code asked for it (the kubenix.helm.chart
	// call): the library adds it where it throws the report.
	Call *CallSite `json:"call,omitempty"`
}

// CallSite is a position as builtins.unsafeGetAttrPos gives it.
type CallSite struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// Stat is what the library reports of a call it answered from a reply.
type Stat struct {
	Op               string   `json:"op"`
	Key              string   `json:"key"`
	Chart            string   `json:"chart,omitempty"`
	Release          string   `json:"release,omitempty"`
	Nondeterministic []string `json:"nondeterministic,omitempty"`
	// Cached is set by the evaluator: the reply was there before this
	// evaluation asked for it.
	Cached bool `json:"-"`
}

// ForgedError is a request line whose key is not the hash of its text: not
// the library's doing, since the key is what says where the reply goes.
type ForgedError struct{ Line string }

func (e *ForgedError) Error() string {
	line := e.Line
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	return fmt.Sprintf("the evaluation wrote a %q line that is not a kubenix request: %s", strings.TrimSpace(RequestPrefix), line)
}

// Trace is what one evaluation pass wrote to standard error.
type Trace struct {
	Requests []Request // in order, without repeats
	Stats    []Stat
}

// ParseTrace reads the requests and stats among Nix's standard error.
// A request whose key is not the sha256 of its text is a *ForgedError.
func ParseTrace(stderr []byte) (Trace, error) {
	var t Trace
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "trace: ")
		if !ok {
			continue
		}
		if rest, ok := strings.CutPrefix(line, RequestPrefix); ok {
			key, text, _ := strings.Cut(rest, " ")
			if !validKey(key) || KeyOf(text) != key {
				return Trace{}, &ForgedError{Line: line}
			}
			if !seen[key] {
				seen[key] = true
				t.Requests = append(t.Requests, Request{Key: key, Text: text})
			}
		} else if rest, ok := strings.CutPrefix(line, StatPrefix); ok {
			var s Stat
			if json.Unmarshal([]byte(rest), &s) == nil && validKey(s.Key) {
				t.Stats = append(t.Stats, s)
			}
		}
	}
	return t, sc.Err()
}

// KeyOf is the key of a request's text, as the library computes it with
// builtins.hashString "sha256".
func KeyOf(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

func validKey(k string) bool {
	if len(k) != 64 {
		return false
	}
	for _, c := range k {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
