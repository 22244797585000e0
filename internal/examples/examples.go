// Package examples lists the builds of examples/ that the tests make: the
// golden test, the flake test and the end-to-end tests read it alike.
package examples

import (
	"os"
	"path/filepath"
	"strings"
)

// Variant is one build of an example: examples/Example/app.nix with Args,
// expected in golden/Name.
type Variant struct {
	Example, Name string
	App           string // absolute path of the app file
	Args          []string
}

// Variants lists every example under root/examples. examples/NAME/test-args
// may list variants as "VARIANT: ARGS" lines (golden/NAME-VARIANT);
// otherwise the example builds once, without arguments (golden/NAME).
func Variants(root string) ([]Variant, error) {
	ents, err := os.ReadDir(filepath.Join(root, "examples"))
	if err != nil {
		return nil, err
	}
	var out []Variant
	for _, e := range ents {
		app, err := filepath.Abs(filepath.Join(root, "examples", e.Name(), "app.nix"))
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(app); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, "examples", e.Name(), "test-args"))
		if err != nil {
			out = append(out, Variant{Example: e.Name(), Name: e.Name(), App: app})
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name, args, _ := strings.Cut(line, ":")
			out = append(out, Variant{Example: e.Name(), Name: e.Name() + "-" + strings.TrimSpace(name), App: app, Args: strings.Fields(args)})
		}
	}
	return out, nil
}
