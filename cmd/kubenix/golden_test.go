package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubenix/kubenix/internal/examples"
)

var update = flag.Bool("update", false, "rewrite golden/ from the current output (make golden)")

// exampleVariants lists every build of the examples (internal/examples).
func exampleVariants(t *testing.T, root string) []examples.Variant {
	vs, err := examples.Variants(root)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestGolden builds every example and compares the output byte for byte
// with golden/. Regenerate with `make golden`.
func TestGolden(t *testing.T) {
	requireNix(t)
	root, _ := filepath.Abs(repoRoot(t))
	variants := exampleVariants(t, root)
	if len(variants) < 3 {
		t.Fatalf("found only %d example builds", len(variants))
	}
	seen := map[string]bool{}
	for _, v := range variants {
		seen[v.Name] = true
		t.Run(v.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", filepath.Join(root, "examples", v.Example, "app.nix"), "--out-dir", out}, v.Args...)
			kubenix(t, root, args...).mustSucceed(t)
			golden := filepath.Join(root, "golden", v.Name)
			if *update {
				os.RemoveAll(golden)
				if err := os.CopyFS(golden, os.DirFS(out)); err != nil {
					t.Fatal(err)
				}
				return
			}
			compareTrees(t, golden, out)
		})
	}
	if !*update {
		ents, _ := os.ReadDir(filepath.Join(root, "golden"))
		for _, e := range ents {
			if !seen[e.Name()] {
				t.Errorf("golden/%s belongs to no example; run make golden", e.Name())
			}
		}
	}
}

func compareTrees(t *testing.T, want, got string) {
	t.Helper()
	w, g := readTree(t, want), readTree(t, got)
	for name, content := range w {
		gc, ok := g[name]
		switch {
		case !ok:
			t.Errorf("%s: missing from the output", name)
		case gc != content:
			t.Errorf("%s differs from golden (run make golden if the change is intended):\n--- golden\n%s\n--- output\n%s", name, content, gc)
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			t.Errorf("%s: in the output but not in golden", name)
		}
	}
}
