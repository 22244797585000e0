package helmfidelity

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// A seed gives the same chart every time, and other seeds other charts.
func TestGenerateIsDeterministic(t *testing.T) {
	read := func(seed uint64, n int) map[string]string {
		dir := t.TempDir()
		c, err := Generate(dir, seed, n)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		filepath.WalkDir(c.Dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(c.Dir, p)
				files[rel] = string(b)
			}
			return err
		})
		if _, ok := files["Chart.yaml"]; !ok {
			t.Fatalf("seed %d: no Chart.yaml in %v", seed, files)
		}
		return files
	}
	a, b := read(7, 5), read(7, 5)
	if !reflect.DeepEqual(a, b) {
		t.Error("seed 7 gave two different charts")
	}
	if reflect.DeepEqual(read(7, 5), read(8, 5)) {
		t.Error("seeds 7 and 8 gave the same chart")
	}
	if len(read(9, len(Features))) < len(Features) {
		t.Error("a chart of every feature has fewer files than features")
	}
}
