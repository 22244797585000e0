package manifest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubenix/kubenix/diag"
)

// FuzzRead feeds the manifest reader (kubenix check, diff and apply read
// user files with it) arbitrary bytes: it must report problems, never panic,
// and every object it returns must carry what the rest of kubenix relies on.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "schema", "testdata", "corpus", "*.yaml"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte(`{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, l := Read("fuzz.yaml", data)
		// Read without every field's position, objects are where they are
		// with, and the problems the same.
		var bare []*Object
		lb := readEach("fuzz.yaml", bytes.NewReader(data), func() []byte { return data }, false, func(o []*Object) { bare = append(bare, o...) })
		if len(bare) != len(objs) || !reflect.DeepEqual(l, lb) {
			t.Fatalf("%d objects and %v, without fields %d and %v", len(objs), l, len(bare), lb)
		}
		for i, o := range bare {
			if o.Origin.Pos != objs[i].Origin.Pos || o.Origin.Fields != nil {
				t.Fatalf("object %d at %v without fields, at %v with", i, o.Origin.Pos, objs[i].Origin.Pos)
			}
		}
		for _, o := range objs {
			if o.Body == nil {
				t.Fatalf("object without a body: %+v", o)
			}
			if o.Origin.Pos.File != "fuzz.yaml" {
				t.Fatalf("object without its file: %+v", o.Origin)
			}
		}
	})
}

// YAML that is not a file (a chart's template, fromYAML's string) is read
// as files are: kubectl's values, empty documents left out, a key written
// twice an error at the line of the file the text starts on.
func TestReadDocuments(t *testing.T) {
	docs, l := ReadDocuments("t.yaml", 1, []byte("a: yes\n---\n# nothing\n---\nb: [1, 2]\n"))
	if len(l) != 0 || fmt.Sprint(docs) != "[map[a:true] map[b:[1 2]]]" {
		t.Errorf("got %v, %v", docs, l)
	}
	_, l = ReadDocuments("t.yaml", 10, []byte("data:\n  x: 1\n  x: 2\n"))
	if len(l) != 1 || l[0].Pos != (diag.Pos{File: "t.yaml", Line: 12, Col: 3}) || l[0].Message != `duplicate key "x": it is also at line 11, and kubectl would silently keep only the last one` {
		t.Errorf("got %v", l)
	}
	_, l = ReadDocuments("t.yaml", 5, []byte("a: b\nc: [\n"))
	if len(l) != 1 || l[0].Pos.Line < 5 || !strings.HasPrefix(l[0].Message, "YAML: ") {
		t.Errorf("got %v", l)
	}
}

// FuzzKubectlValue holds kubectlValue's direct conversion of the documents
// it can convert to the way kubectl reads YAML (written out, read by
// sigs.k8s.io/yaml, decoded): both must give the same value.
func FuzzKubectlValue(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "schema", "testdata", "corpus", "*.yaml"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"a: yes\nb: on\nc: ~\nd: 0755\ne: 1_000\nf: 0x1F\ng: 1e3\nh: .5\ni: -.inf\nj: 2001-12-14\nk: 0b101\nl: +12\nm: -7\n",
		"n: 100m\no: 64Mi\np: 1.4.2\nq: '8080'\nr: \"yes\"\ns: |\n  x\nt: >\n  y\nu: 99999999999999999999\nv: 9223372036854775807\n",
		"1: a\ntrue: b\n~: c\n? [x]\n: d\n", "<<: {a: 1}\nb: <<\n", "a: &x 1\nb: *x\n", "a: !!str 1\nb: !!int '2'\n",
		"- -\n- -x\n- --- \n- '<'\n- 0.0\n- -0\n- 00\n- 1:20\n- 0o17\n- Infinity\n- nan\n- 12e\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := kyaml.NewDecoder(bytes.NewReader(data))
		for i := 0; i < 10; i++ {
			var n kyaml.Node
			if err := dec.Decode(&n); err != nil {
				return
			}
			root := &n
			if root.Kind == kyaml.DocumentNode && len(root.Content) > 0 {
				root = root.Content[0]
			}
			if isNullNode(root) {
				continue
			}
			direct, ok := directValue(root, 0, false)
			if !ok {
				continue
			}
			want, err := viaJSON(root)
			if err != nil {
				t.Fatalf("%q: converted directly to %#v, but kubectl's way fails: %v", data, direct, err)
			}
			if !reflect.DeepEqual(direct, want) {
				t.Fatalf("%q: directly %#v, kubectl's way %#v", data, direct, want)
			}
		}
	})
}
