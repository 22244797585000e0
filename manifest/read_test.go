package manifest

import (
	"os"
	"path/filepath"
	"testing"
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
