package eval

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/nixcall"
)

// countingHelm is the real renderer, counting its renders.
type countingHelm struct{ n atomic.Int32 }

func (h *countingHelm) Render(ctx context.Context, o helmwrap.RenderOptions) (*helmwrap.Result, error) {
	h.n.Add(1)
	return helmwrap.Render(ctx, o)
}

// fixpointOpts evaluates app (Nix text, CHART standing for the webapp
// example chart) with a fresh replies directory.
func fixpointOpts(t *testing.T, app string) (Options, *countingHelm) {
	t.Helper()
	chart, _ := filepath.Abs(filepath.Join("..", "examples", "helm", "charts", "webapp"))
	file := filepath.Join(t.TempDir(), "app.nix")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(app, "CHART", chart)), 0o644); err != nil {
		t.Fatal(err)
	}
	h := &countingHelm{}
	cache := t.TempDir()
	return Options{File: file, CacheDir: cache, Version: "test-1",
		Context: &nixcall.Context{Version: "test-1", KubeVersion: "1.37", Namespace: "default"},
		Calls:   &nixcall.Server{Dir: cache, Helm: h}}, h
}

// Two charts and a fromYAML in one app: one pass asks for all three, the
// second has every answer; a second evaluation needs no render and one pass.
func TestFixpointAnswersEveryCallOfAPass(t *testing.T) {
	nixOrSkip(t)
	o, h := fixpointOpts(t, `{ kubenix }: {
  a = kubenix.helm.chart { chart = "CHART"; name = "a"; };
  b = kubenix.helm.chart { chart = "CHART"; name = "b"; namespace = "other"; values.replicaCount = 3; };
  y = kubenix.fromYAML "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n";
}`)
	res, err := Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Value.(map[string]any)
	a, _ := v["a"].([]any)
	b, _ := v["b"].([]any)
	if len(a) == 0 || len(b) == 0 || !strings.Contains(toJSON(b), `"replicas":3`) || !strings.Contains(toJSON(b), `"namespace":"other"`) {
		t.Errorf("charts: a=%s\nb=%s", toJSON(a), toJSON(b))
	}
	if got := toJSON(v["y"]); got != `[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"from-yaml"}},{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"}}]` {
		t.Errorf("fromYAML: %s", got)
	}
	if res.Passes != 2 || h.n.Load() != 2 {
		t.Errorf("%d passes, %d renders; want 2 and 2", res.Passes, h.n.Load())
	}
	if len(res.Stats) != 2 || res.Stats[0].Cached || res.Stats[1].Cached {
		t.Errorf("stats: %+v", res.Stats)
	}
	first := toJSON(res.Value)

	res, err = Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passes != 1 || h.n.Load() != 2 || toJSON(res.Value) != first {
		t.Errorf("from the replies: %d passes, %d renders in all, same value %v", res.Passes, h.n.Load(), toJSON(res.Value) == first)
	}
	if len(res.Stats) != 2 || !res.Stats[0].Cached || !res.Stats[1].Cached {
		t.Errorf("stats: %+v", res.Stats)
	}
}

// Code that maps, filters and indexes a chart's output fails on the
// placeholder in the first pass; that failure is not the user's, the
// second pass has the answer.
func TestFixpointPlaceholderFailureIsNotReported(t *testing.T) {
	nixOrSkip(t)
	o, h := fixpointOpts(t, `{ kubenix }:
let
  objs = kubenix.helm.chart { chart = "CHART"; name = "web"; };
  svc = builtins.head (builtins.filter (o: o.kind == "Service") objs);
in {
  chart = map (o: kubenix.recursiveUpdate o { metadata.labels.patched = "yes"; }) (builtins.filter (o: o.kind != "Service") objs);
  port = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "port"; data.port = toString (builtins.head svc.spec.ports).port; };
}`)
	res, err := Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Value.(map[string]any)
	chart, _ := v["chart"].([]any)
	if len(chart) == 0 || strings.Contains(toJSON(chart), `"kind":"Service"`) || !strings.Contains(toJSON(chart), `"patched":"yes"`) {
		t.Errorf("chart: %s", toJSON(chart))
	}
	if got := toJSON(v["port"]); !strings.Contains(got, `"port":"80"`) {
		t.Errorf("port: %s", got)
	}
	if res.Passes != 2 || h.n.Load() != 1 {
		t.Errorf("%d passes, %d renders; want 2 and 1", res.Passes, h.n.Load())
	}
}

// A chart whose values come from another chart's output needs one pass
// more; a real error of the last pass is reported as it is.
func TestFixpointChainedCalls(t *testing.T) {
	nixOrSkip(t)
	o, _ := fixpointOpts(t, `{ kubenix }:
let
  first = kubenix.helm.chart { chart = "CHART"; name = "first"; };
  name = (builtins.head first).metadata.name;
in {
  second = kubenix.helm.chart { chart = "CHART"; name = "second"; values.image.tag = name; };
}`)
	res, err := Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passes != 3 || !strings.Contains(toJSON(res.Value), `"image":"ghcr.io/example/webapp:first-webapp"`) {
		t.Errorf("%d passes (want 3): %s", res.Passes, toJSON(res.Value))
	}

	o, _ = fixpointOpts(t, `{ kubenix }: {
  web = kubenix.helm.chart { chart = "CHART"; name = "web"; };
  bad = assert builtins.length (kubenix.fromYAML "a: 1") == 2; { };
}`)
	_, err = Evaluate(context.Background(), o)
	var inv *diag.InvalidInput
	if !errors.As(err, &inv) || !strings.Contains(inv.Diagnostics[0].Message, "assertion") || inv.Diagnostics[0].Path != ".bad" {
		t.Errorf("want the last pass's assertion failure at .bad, got %v", err)
	}
}

// The passes are bounded: calls that keep asking for something new end
// in an error, not a loop.
func TestFixpointIsBounded(t *testing.T) {
	nixOrSkip(t)
	o, _ := fixpointOpts(t, `{ kubenix }:
let
  level = n: if n == 0 then kubenix.fromYAML "[0]"
    else kubenix.fromYAML (builtins.toJSON ([ n ] ++ level (n - 1)));
in { cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "x"; data.n = toString (builtins.length (level 30)); }; }`)
	_, err := Evaluate(context.Background(), o)
	var inv *diag.InvalidInput
	if !errors.As(err, &inv) || !strings.Contains(inv.Diagnostics[0].Message, "after 10 evaluations the app still asks") {
		t.Fatalf("got %v", err)
	}
}

// A request line whose key is not its text's hash is refused: it would
// otherwise store an answer under another request's key.
func TestFixpointRefusesForgedRequests(t *testing.T) {
	nixOrSkip(t)
	o, _ := fixpointOpts(t, `{ kubenix }: builtins.trace ("kubenix-request " + builtins.hashString "sha256" "{}" + " {\"op\":\"yaml.parse\",\"yaml\":\"a: 1\"}") { }`)
	_, err := Evaluate(context.Background(), o)
	var inv *diag.InvalidInput
	if !errors.As(err, &inv) || !strings.Contains(inv.Diagnostics[0].Message, "is not a kubenix request") {
		t.Fatalf("got %v", err)
	}
	matches, _ := filepath.Glob(filepath.Join(o.CacheDir, "yaml-parses", "*", "*"))
	if len(matches) != 0 {
		t.Errorf("replies written: %v", matches)
	}
}

// A render with a Secret in plain text reaches Nix through the
// evaluation's own directory, never the cache, and that directory is gone
// when the evaluation ends; positions ask for it again.
func TestFixpointKeepsPlaintextSecretsOutOfTheCache(t *testing.T) {
	nixOrSkip(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	chart, _ := filepath.Abs(filepath.Join("..", "helmwrap", "testdata", "charts", "random"))
	src := `{ kubenix }: { r = kubenix.helm.chart { chart = "` + chart + `"; name = "r"; }; extra = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "x"; }; }`
	o, h := fixpointOpts(t, src)
	res, err := Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toJSON(res.Value), `"kind":"Secret"`) || res.Passes != 2 || h.n.Load() != 1 {
		t.Fatalf("%d passes, %d renders: %s", res.Passes, h.n.Load(), toJSON(res.Value))
	}
	if cached, _ := filepath.Glob(filepath.Join(o.CacheDir, "helm-renders", "*", "*")); len(cached) != 0 {
		t.Errorf("cached: %v", cached)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
	pos, err := Positions(context.Background(), o, [][]any{{"r", 0, "kind"}, {"extra", "metadata", "name"}})
	if err != nil || len(pos) != 2 || pos[0].Col != 16 || pos[1].Col != strings.Index(src, "metadata.name")+1 || h.n.Load() != 2 {
		t.Errorf("positions %v (%v), %d renders", pos, err, h.n.Load())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in TMPDIR after positions: %v", left)
	}
}

// fromYAML of a Secret in plain text (inside a List, too) is answered
// through the evaluation's own directory, like a chart's render: the
// canary reaches the value but no file of the cache.
func TestFixpointKeepsPlaintextYAMLSecretsOutOfTheCache(t *testing.T) {
	nixOrSkip(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	o, _ := fixpointOpts(t, `{ kubenix }: {
  s = kubenix.fromYAML "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: db\n  stringData:\n    password: canary-4711\n";
  c = kubenix.fromYAML "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n";
}`)
	res, err := Evaluate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toJSON(res.Value), "canary-4711") {
		t.Fatalf("the Secret did not reach the value: %s", toJSON(res.Value))
	}
	cached, _ := filepath.Glob(filepath.Join(o.CacheDir, "yaml-parses", "*", "*"))
	if len(cached) != 2 { // the reply and its answer
		t.Errorf("want only the ConfigMap's parse cached, got %v", cached)
	}
	for _, f := range cached {
		if b, _ := os.ReadFile(f); strings.Contains(string(b), "canary-4711") {
			t.Errorf("%s holds the Secret's value", f)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
}
