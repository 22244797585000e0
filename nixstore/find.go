package nixstore

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kubenix/kubenix/diag"
)

// NotFoundHint tells users how to get Nix.
const NotFoundHint = "install it with `apt-get install nix-bin` (Debian/Ubuntu) or from https://nixos.org/download, " +
	"or point --nix-instantiate at it"

// EnvDir is the Nix store directory before any evaluation tells (or
// without one: NIX_STORE is what a derivation's builder is told).
func EnvDir() string {
	for _, env := range []string{"NIX_STORE_DIR", "NIX_STORE"} {
		if d := os.Getenv(env); d != "" {
			return d
		}
	}
	return DefaultStoreDir
}

// Find returns the store at dir ("" = DefaultStoreDir) written through the
// nix-store executable bin; bin "" is the nix-store next to nixInstantiate
// (the nix-instantiate kubenix evaluates with, "" = the one on PATH), else
// the one on PATH. A missing nix-store is a usage error.
func Find(bin, nixInstantiate, dir string) (*Store, error) {
	if bin == "" {
		if nixInstantiate == "" {
			nixInstantiate = "nix-instantiate"
		}
		if inst, err := exec.LookPath(nixInstantiate); err == nil {
			if p := filepath.Join(filepath.Dir(inst), "nix-store"); isExecutable(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		bin = "nix-store"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		return nil, &diag.UsageError{Err: fmt.Errorf("nix-store not found (%s): kubenix adds results to the Nix store with it", bin),
			Hint: "install Nix with `apt-get install nix-bin` (Debian/Ubuntu) or from https://nixos.org/download, or point --nix-store at it"}
	}
	if dir == "" {
		dir = DefaultStoreDir
	}
	return &Store{Dir: dir, NixStore: p}, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// ResultName is the name part of a build's store path: the file's name
// without .nix (the directory's name for default.nix), then "-manifests".
func ResultName(file string) string {
	base := filepath.Base(file)
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		base = filepath.Base(filepath.Clean(file))
	} else if base == "default.nix" {
		if abs, err := filepath.Abs(file); err == nil {
			base = filepath.Base(filepath.Dir(abs))
		}
	}
	base = strings.TrimSuffix(base, ".nix")
	var b strings.Builder
	for _, c := range base {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+-._?=", c) {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if name == "" {
		name = "kubenix"
	}
	return name + "-manifests"
}
