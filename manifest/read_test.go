package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		objs, _ := Read("fuzz.yaml", data)
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
