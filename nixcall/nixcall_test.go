package nixcall

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func request(t *testing.T, v any) Request {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return Request{Key: KeyOf(string(b)), Text: string(b)}
}

func shop(t *testing.T) string {
	p, _ := filepath.Abs(filepath.Join("..", "helmwrap", "testdata", "charts", "shop"))
	return p
}

// Only requests of the registered calls, with their own arguments, are
// answered; a key that is not the text's hash stops the run.
func TestAnswerRefusesForeignRequests(t *testing.T) {
	dir := t.TempDir()
	s := NewServer(dir, false)
	yaml := "a: 1"
	for name, req := range map[string]Request{
		"unknown op":     request(t, map[string]any{"op": "shell", "cmd": "rm -rf /"}),
		"unknown field":  request(t, map[string]any{"op": "yaml.parse", "yaml": yaml, "exec": true}),
		"both arguments": request(t, map[string]any{"op": "yaml.parse", "yaml": yaml, "render": map[string]any{"chart": shop(t), "name": "x"}}),
		"no arguments":   request(t, map[string]any{"op": "helm.render"}),
		"no release":     request(t, map[string]any{"op": "helm.render", "render": map[string]any{"chart": shop(t)}}),
		"not json":       {Key: KeyOf("rm -rf /"), Text: "rm -rf /"},
	} {
		failed, err := s.Answer(context.Background(), []Request{req}, t.TempDir())
		if err != nil || failed[req.Key].Message == "" {
			t.Errorf("%s: answered (%v, %v)", name, failed, err)
		}
	}
	forged := request(t, map[string]any{"op": "yaml.parse", "yaml": yaml})
	forged.Key = KeyOf("something else")
	var fe *ForgedError
	if _, err := s.Answer(context.Background(), []Request{forged}, t.TempDir()); !errors.As(err, &fe) {
		t.Errorf("forged key: %v", err)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*")); len(entries) != 0 {
		t.Errorf("replies written: %v", entries)
	}
}

func TestParseTrace(t *testing.T) {
	text := `{"op":"yaml.parse","version":"","yaml":"a: 1"}`
	key := KeyOf(text)
	stderr := "trace: kubenix-request " + key + " " + text + "\n" +
		"warning: something\n" +
		"trace: kubenix-request " + key + " " + text + "\n" + // asked twice
		`trace: kubenix-stat {"op":"helm.render","key":"` + key + `","chart":"shop","release":"r"}` + "\n"
	tr, err := ParseTrace([]byte(stderr))
	if err != nil || len(tr.Requests) != 1 || tr.Requests[0].Key != key || tr.Requests[0].Text != text ||
		len(tr.Stats) != 1 || tr.Stats[0].Chart != "shop" {
		t.Fatalf("%+v %v", tr, err)
	}
	var fe *ForgedError
	if _, err := ParseTrace([]byte("trace: kubenix-request " + KeyOf("x") + " " + text + "\n")); !errors.As(err, &fe) {
		t.Errorf("forged: %v", err)
	}
}

// A reply is what the library reads with builtins.fromJSON, whatever the
// strings hold; a failed render is an ErrorReport at the call's chart.
func TestRepliesNixCanRead(t *testing.T) {
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("no Nix")
	}
	dir := t.TempDir()
	s := NewServer(dir, false)
	tricky := `hello ${x} "quoted" \ back` + "\n\ttab"
	render := func(chart string) Request {
		return request(t, map[string]any{"op": "helm.render", "render": map[string]any{"chart": chart, "name": "r", "namespace": "n", "kubeVersion": "1.37",
			"values": map[string]any{"config": map[string]any{"greeting": tricky}}}})
	}
	ok, missing := render(shop(t)), render(shop(t)+"-missing")
	failed, err := s.Answer(context.Background(), []Request{ok, missing}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, bad := failed[ok.Key]; bad || !strings.Contains(failed[missing.Key].Message, "does not exist") {
		t.Fatalf("failed: %+v", failed)
	}
	file := ReplyPath(dir, "helm.render", ok.Key)
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
	expr := `let e = builtins.fromJSON (builtins.readFile "` + file + `"); objects = builtins.readFile "` + ObjectsPath(dir, "helm.render", ok.Key) + `"; in
	  assert builtins.hashString "sha256" objects == e.checksum;
	  builtins.head (map (o: o.data.greeting) (builtins.filter (o: o.kind == "ConfigMap") (builtins.fromJSON objects)))`
	v, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", expr).Output()
	var got string
	json.Unmarshal(v, &got)
	if err != nil || got != tricky {
		t.Fatalf("nix read %q (%v), want %q", v, err, tricky)
	}
}

// The library and the registry agree on each call: its op, where its
// replies go, and the function that asks it.
func TestRegistryMatchesTheLibrary(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "eval", "nix", "lib", "default.nix"))
	if err != nil {
		t.Fatal(err)
	}
	lib := string(b)
	for _, c := range Calls() {
		if !strings.Contains(lib, `op = "`+c.Op+`"; sub = "`+c.Sub+`";`) && !strings.Contains(lib, "op = \""+c.Op+"\";\n      sub = \""+c.Sub+"\";") {
			t.Errorf("%s: the library does not ask it with sub = %q", c.Op, c.Sub)
		}
		if !strings.Contains(lib, `"`+c.Op+`" = "`+c.Caller+`"`) {
			t.Errorf("%s: the library does not name its caller %s", c.Op, c.Caller)
		}
	}
	for _, prefix := range []string{RequestPrefix, StatPrefix, ErrorPrefix} {
		if !strings.Contains(lib, prefix) {
			t.Errorf("the library does not write %q", prefix)
		}
	}
}

// Whatever Nix code writes to standard error, the trace reader returns
// only requests whose key is their text's hash, and the decoder takes
// only the registered calls.
func FuzzParseTrace(f *testing.F) {
	text := `{"op":"yaml.parse","version":"","yaml":"a: 1"}`
	f.Add("trace: kubenix-request " + KeyOf(text) + " " + text + "\n")
	f.Add("trace: kubenix-request " + KeyOf("{}") + " {}\ntrace: kubenix-stat {\"op\":\"helm.render\",\"key\":\"" + KeyOf("") + "\"}\n")
	f.Add("trace: kubenix-request ../../etc/passwd {}\n")
	f.Add("error: kubenix-error:{\"message\":\"x\"}\n")
	f.Fuzz(func(t *testing.T, stderr string) {
		tr, err := ParseTrace([]byte(stderr))
		if err != nil {
			return
		}
		for _, r := range tr.Requests {
			if r.Key != KeyOf(r.Text) || !validKey(r.Key) {
				t.Fatalf("request %q accepted with key %q", r.Text, r.Key)
			}
			if a, c, err := decode(r.Text); err == nil && calls[a.Op].Op != c.Op {
				t.Fatalf("decoded %q as %q", r.Text, c.Op)
			}
		}
		for _, s := range tr.Stats {
			if !validKey(s.Key) {
				t.Fatalf("stat with key %q", s.Key)
			}
		}
	})
}
