package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Every kind of bad input: exit 1, and a first line that starts with the
// file:line:col the user wrote, then what is wrong.
func TestBadInput(t *testing.T) {
	requireNix(t)
	dir, _ := filepath.Abs(filepath.Join("testdata", "bad"))
	for _, tc := range []struct {
		file, args string
		first      string // the first line of stderr
		more       []string
	}{
		{file: "syntax.nix", first: "syntax.nix:4:1: error: syntax error, unexpected '}', expecting ';'", more: []string{"3|   a = { b = 1"}},
		{file: "undefined.nix", first: "undefined.nix:3:7: error: undefined variable 'foo'", more: []string{"3|   a = foo;", "hint:"}},
		{file: "throw.nix", first: "throw.nix:4:3: error: not implemented yet", more: []string{"in .later"}},
		{file: "assert.nix", first: "assert.nix:2:1: error: assertion '(__lessThan 0 replicas)' failed"},
		{file: "missing-file.nix", first: "missing-file.nix:2:3: error: getting status of '" + dir + "/not-there.nix': No such file or directory", more: []string{"in .a"}},
		{file: "unsupplied-arg.nix", first: "unsupplied-arg.nix:1:1: error: anonymous function at " + dir + "/unsupplied-arg.nix:1:1 called without required argument 'env'", more: []string{"hint: pass it with --argstr env VALUE"}},
		{file: "function.nix", first: "function.nix:2:3: error: a function cannot be part of a manifest", more: []string{"in .mk"}},
		{file: "path.nix", first: "path.nix:4:5: error: a Nix path cannot be part of a manifest (it would be copied to the Nix store and written as a store path)", more: []string{"in .cm.data.script"}},
		{file: "leaf.nix", first: `leaf.nix:3:3: error: expected a Kubernetes object (an attrset with apiVersion and kind), or an attrset or list of them; found a string ("remember to add the service")`, more: []string{"in .note"}},
		{file: "no-name.nix", first: "no-name.nix:4:5: error: ConfigMap/?: metadata.name: every object needs metadata.name", more: []string{"in .cm"}},
		{file: "duplicate.nix", first: "duplicate.nix:4:26: error: ConfigMap/a/x: defined more than once: the same object is also defined at .one", more: []string{"in .two[0]", "see also duplicate.nix:2:30"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := kubenix(t, dir, "build", tc.file, "--no-out-link")
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			if first != tc.first {
				t.Errorf("first line:\n got %s\nwant %s", first, tc.first)
			}
			for _, m := range tc.more {
				if !strings.Contains(r.stderr, m) {
					t.Errorf("stderr lacks %q:\n%s", m, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "entry.nix") || strings.Contains(r.stderr, "goroutine") {
				t.Errorf("internals leak into the message:\n%s", r.stderr)
			}
		})
	}
}

func TestDiagnosticFormats(t *testing.T) {
	requireNix(t)
	dir, _ := filepath.Abs(filepath.Join("testdata", "bad"))
	r := kubenix(t, dir, "build", "duplicate.nix", "--format", "json")
	var out struct {
		Objects []struct {
			Object, Kind, Name, Namespace, APIVersion, Path string
			Source                                          struct {
				File         string
				Line, Column int
			}
			Errors []struct{ Message string }
		}
	}
	if err := json.Unmarshal([]byte(r.stderr), &out); r.code != 1 || err != nil || len(out.Objects) != 1 {
		t.Fatalf("exit %d (%v), stderr:\n%s", r.code, err, r.stderr)
	}
	o := out.Objects[0]
	if o.Object != "ConfigMap/a/x" || o.Kind != "ConfigMap" || o.Namespace != "a" || o.Source.File != "duplicate.nix" || o.Source.Line != 4 || o.Path != ".two[0]" || len(o.Errors) != 1 {
		t.Errorf("json object: %+v", o)
	}
	r = kubenix(t, dir, "build", "leaf.nix", "--format", "github")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "::error file=leaf.nix,line=3,col=3::expected a Kubernetes object") {
		t.Errorf("github format: %s", r.stderr)
	}
}
