package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden/ from the current output (make golden)")

// variant is one build of an example: examples/NAME/app.nix with ARGS,
// expected in golden/NAME[-VARIANT]/.
type variant struct {
	example, name string
	args          []string
}

// exampleVariants lists every example; examples/NAME/test-args may list
// variants as "VARIANT: ARGS" lines, otherwise the example builds once
// without arguments.
func exampleVariants(t *testing.T, root string) []variant {
	ents, err := os.ReadDir(filepath.Join(root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	var out []variant
	for _, e := range ents {
		app := filepath.Join(root, "examples", e.Name(), "app.nix")
		if _, err := os.Stat(app); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, "examples", e.Name(), "test-args"))
		if err != nil {
			out = append(out, variant{example: e.Name(), name: e.Name()})
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name, args, _ := strings.Cut(line, ":")
			out = append(out, variant{example: e.Name(), name: e.Name() + "-" + strings.TrimSpace(name), args: strings.Fields(args)})
		}
	}
	return out
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
		seen[v.name] = true
		t.Run(v.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"build", filepath.Join(root, "examples", v.example, "app.nix"), "--out-dir", out}, v.args...)
			kubenix(t, root, args...).mustSucceed(t)
			golden := filepath.Join(root, "golden", v.name)
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
