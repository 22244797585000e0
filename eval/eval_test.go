package eval

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
)

func nixOrSkip(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nix-instantiate not found; CI installs Nix before the tests")
		}
		t.Skip("nix-instantiate not found")
	}
}

func opts(t *testing.T, file string, args ...Arg) Options {
	return Options{File: filepath.Join("testdata", file), Args: args, CacheDir: t.TempDir(), Version: "test-1"}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEvaluateFunctionWithArgs(t *testing.T) {
	nixOrSkip(t)
	res, err := Evaluate(context.Background(), opts(t, "args.nix",
		Arg{Name: "env", Value: "prod", String: true},
		Arg{Name: "replicas", Value: "1 + 2"},
		Arg{Name: "flag", Value: "true"},
	))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"cm":{"apiVersion":"v1","data":{"env":"prod","flag":"on","replicas":"3","version":"test-1"},"kind":"ConfigMap","metadata":{"name":"settings-prod"}}}`
	if got := toJSON(res.Value); got != want {
		t.Errorf("value:\n got %s\nwant %s", got, want)
	}
	if len(res.Objects) != 1 || toJSON(res.Objects[0].Path) != `["cm"]` {
		t.Fatalf("objects: %+v", res.Objects)
	}
	o := res.Objects[0]
	if !strings.HasSuffix(o.Pos.File, "testdata/args.nix") || o.Pos.Line != 5 || o.Site.Line != 3 || o.Site.Col != 3 {
		t.Errorf("positions: kind at %v, site %v; want args.nix:5 and args.nix:3:3", o.Pos, o.Site)
	}
	if res.StoreDir != "/nix/store" && res.StoreDir == "" {
		t.Errorf("store dir %q", res.StoreDir)
	}
}

func TestEvaluateValueAndImports(t *testing.T) {
	nixOrSkip(t)
	res, err := Evaluate(context.Background(), opts(t, "value.nix"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 2 || toJSON(res.Objects[1].Path) != `[1]` || !strings.HasSuffix(res.Objects[1].Pos.File, "helper.nix") {
		t.Errorf("objects: %+v", res.Objects)
	}
}

func TestEvaluateSearchPath(t *testing.T) {
	nixOrSkip(t)
	o := opts(t, "search-path.nix")
	o.SearchPath = []string{"mylib=" + filepath.Join("testdata", "search", "mylib")}
	res, err := Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toJSON(res.Value), `"g":"hello"`) {
		t.Errorf("value %s", toJSON(res.Value))
	}
}

// Each bad input gets a message at the user's line and column, the tree
// path where Nix does not say, and a hint where one helps.
func TestEvaluateErrors(t *testing.T) {
	nixOrSkip(t)
	for _, tc := range []struct {
		file    string
		args    []Arg
		pos     string // file:line:col, file relative to testdata
		path    string
		message string
		hint    string
		usage   bool
	}{
		{file: "syntax.nix", pos: "syntax.nix:3:1", message: "syntax error, unexpected '}'"},
		{file: "undefined.nix", pos: "undefined.nix:3:7", message: "undefined variable 'foo'", hint: "--arg"},
		{file: "throw.nix", pos: "throw.nix:4:3", path: ".b.c", message: "this is not ready"},
		{file: "assert.nix", pos: "assert.nix:2:7", path: ".a", message: "assertion '(1 == 2)' failed"},
		{file: "missing-import.nix", pos: "missing-import.nix:2:3", path: ".a", message: "not-there.nix': No such file", hint: "does not exist"},
		{file: "needs-arg.nix", pos: "needs-arg.nix:1:1", message: "called without required argument 'env'", hint: "--argstr env VALUE"},
		{file: "type-error.nix", pos: "type-error.nix:2:11", path: ".x", message: "cannot add a string to an integer"},
		{file: "function.nix", pos: "function.nix:2:3", path: ".f", message: "a function cannot be part of a manifest", hint: "call it"},
		{file: "path.nix", pos: "path.nix:2:70", path: ".cm.data.p", message: "a Nix path cannot be part of a manifest", hint: "readFile"},
		{file: "args.nix", args: []Arg{{Name: "flag", Value: "true"}, {Name: "evn", Value: "x", String: true}}, message: "does not take argument 'evn' (it takes: env flag kubenix replicas)", usage: true},
		{file: "value.nix", args: []Arg{{Name: "x", Value: "1"}}, message: "is not a function, so argument 'x' has nowhere to go", usage: true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Evaluate(context.Background(), opts(t, tc.file, tc.args...))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.usage {
				var ue *diag.UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.message) {
					t.Fatalf("want usage error %q, got %T %v", tc.message, err, err)
				}
				return
			}
			var inv *diag.InvalidInput
			if !errors.As(err, &inv) {
				t.Fatalf("want invalid input, got %T %v", err, err)
			}
			d := inv.Diagnostics[0]
			abs, _ := filepath.Abs("testdata")
			if got := strings.TrimPrefix(d.Pos.String(), abs+"/"); got != tc.pos {
				t.Errorf("position %s, want %s", got, tc.pos)
			}
			if d.Path != tc.path {
				t.Errorf("path %q, want %q", d.Path, tc.path)
			}
			if !strings.Contains(d.Message, tc.message) {
				t.Errorf("message %q, want it to contain %q", d.Message, tc.message)
			}
			if !strings.Contains(d.Hint, tc.hint) {
				t.Errorf("hint %q, want it to contain %q", d.Hint, tc.hint)
			}
		})
	}
}

func TestNixNotFound(t *testing.T) {
	o := opts(t, "value.nix")
	o.NixInstantiate = filepath.Join(t.TempDir(), "no-nix-here")
	_, err := Evaluate(context.Background(), o)
	var ue *diag.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "nix-instantiate not found") || !strings.Contains(ue.Hint, "nix-bin") {
		t.Fatalf("got %v", err)
	}
}

func TestMaterialiseOncePerContent(t *testing.T) {
	dir := t.TempDir()
	a, err := Materialise(dir, "1.0")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Materialise(dir, "1.0")
	c, _ := Materialise(dir, "2.0")
	if a != b || a == c {
		t.Errorf("entries: %s %s %s", a, b, c)
	}
	lib, _ := os.ReadFile(filepath.Join(filepath.Dir(c), "lib", "default.nix"))
	if !strings.Contains(string(lib), `version = context.version or "2.0";`) {
		t.Error("version not substituted")
	}
}
