package manifest

import (
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
)

func cm(name string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name}}
}

func TestPathString(t *testing.T) {
	for _, tc := range []struct {
		p    Path
		want string
	}{
		{nil, "."},
		{Path{"redis", "service"}, ".redis.service"},
		{Path{3}, ".[3]"},
		{Path{"apps", "my.app", 0, "items", 2}, `.apps."my.app"[0].items[2]`},
		{Path{"x-y", "a'"}, ".x-y.a'"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestExtract(t *testing.T) {
	at := diag.Pos{File: "/app.nix", Line: 3, Col: 5}
	sites := Sites{".a": {Pos: at}}
	tree := map[string]any{
		"a":    cm("one"),
		"off":  nil,
		"list": []any{cm("two"), []any{cm("three")}},
		"wrapped": map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{
			cm("four"),
			map[string]any{"apiVersion": "v1", "kind": "ConfigMapList", "items": []any{cm("five")}},
		}},
	}
	objs, _, diags := Extract(tree, sites)
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Origin.Path.String()+"="+o.ID())
	}
	want := ".a=ConfigMap/one .list[0]=ConfigMap/two .list[1][0]=ConfigMap/three .wrapped.items[0]=ConfigMap/four .wrapped.items[1].items[0]=ConfigMap/five"
	if strings.Join(got, " ") != want {
		t.Errorf("objects:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if objs[0].Origin.Pos != at {
		t.Errorf("origin of .a = %v, want %v", objs[0].Origin.Pos, at)
	}
}

func TestExtractErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		tree any
		want []string // "path field: message fragment"
	}{
		{"leaf string", map[string]any{"x": "hello"}, []string{`.x : found a string ("hello")`}},
		{"leaf in list", []any{cm("a"), int64(3)}, []string{`.[1] : found a number (3)`}},
		{"kind only", map[string]any{"n": map[string]any{"kind": "Namespace"}}, []string{`.n apiVersion: has kind "Namespace" but no apiVersion`}},
		{"apiVersion only", map[string]any{"n": map[string]any{"apiVersion": "v1"}}, []string{`.n kind: has apiVersion "v1" but no kind`}},
		{"kind not string", map[string]any{"n": map[string]any{"apiVersion": "v1", "kind": int64(1)}}, []string{`.n kind: kind must be a non-empty string, found a number (1)`}},
		{"no metadata", map[string]any{"n": map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}}, []string{`.n metadata.name: every object needs metadata.name`}},
		{"empty name", map[string]any{"n": map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": ""}}}, []string{`.n metadata.name: metadata.name is empty`}},
		{"generateName", map[string]any{"n": map[string]any{"apiVersion": "v1", "kind": "Job", "metadata": map[string]any{"generateName": "x-"}}}, []string{`.n metadata.name: generateName cannot be applied`}},
		{"namespace not string", map[string]any{"n": map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a", "namespace": true}}}, []string{`.n metadata.namespace: must be a string, found a boolean (true)`}},
		{"List without items", map[string]any{"l": map[string]any{"apiVersion": "v1", "kind": "List", "items": "x"}}, []string{`.l items: needs a list of items`}},
		{"all errors reported", map[string]any{"a": "x", "b": "y"}, []string{`.a : found a string`, `.b : found a string`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, diags := Extract(tc.tree, nil)
			if len(diags) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d: %v", len(diags), len(tc.want), diags)
			}
			for i, w := range tc.want {
				d := diags[i]
				head, frag, _ := strings.Cut(w, ": ")
				path, field, _ := strings.Cut(head, " ")
				if d.Path != path || d.Field != field || !strings.Contains(d.Message, frag) || d.Severity != diag.Error {
					t.Errorf("diagnostic %d = {path %q field %q message %q}, want {path %q field %q message containing %q}",
						i, d.Path, d.Field, d.Message, path, field, frag)
				}
			}
		})
	}
}

func TestCheckDuplicates(t *testing.T) {
	a := &Object{APIVersion: "v1", Kind: "ConfigMap", Name: "x", Namespace: "ns", Origin: Origin{Path: Path{"a"}, Pos: diag.Pos{File: "/a.nix", Line: 1}}}
	b := &Object{APIVersion: "v1", Kind: "ConfigMap", Name: "x", Namespace: "ns", Origin: Origin{Path: Path{"b"}, Pos: diag.Pos{File: "/b.nix", Line: 2}}}
	other := &Object{APIVersion: "v1", Kind: "ConfigMap", Name: "x", Namespace: "other"}
	group := &Object{APIVersion: "example.com/v1", Kind: "ConfigMap", Name: "x", Namespace: "ns"}
	l := CheckDuplicates([]*Object{a, b, other, group})
	if len(l) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %v", len(l), l)
	}
	d := l[0]
	if d.Pos != b.Origin.Pos || len(d.Related) != 1 || d.Related[0] != a.Origin.Pos || d.Object != "ConfigMap/ns/x" || !strings.Contains(d.Message, ".a") {
		t.Errorf("duplicate diagnostic does not name both origins: %+v", d)
	}
}
