// Command gen writes gomod2nix.toml for the module in -dir: `make gomod2nix`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/kubenix/kubenix/internal/gomod2nix"
)

func main() {
	dir := flag.String("dir", ".", "the module's directory")
	out := flag.String("o", "gomod2nix.toml", "the file to write")
	flag.Parse()
	mods, err := gomod2nix.Modules(context.Background(), *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gomod2nix:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, gomod2nix.Format(mods), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gomod2nix:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gomod2nix: %d modules written to %s\n", len(mods), *out)
}
