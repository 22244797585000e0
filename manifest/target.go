package manifest

import (
	"path/filepath"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/nixstore"
)

// CheckTargets refuses output paths that lead into the Nix store storeDir
// (following the symlinks of their existing part: --out-dir result/sub
// where result is a store result): the store is written only through
// nix-store, and a path changed behind its back stays corrupt for every
// later build that reuses it. outDir and link may be empty. link itself
// may point into the store, as a previous result does: it is replaced,
// not written through.
func CheckTargets(storeDir, outDir, link string) error {
	if outDir != "" {
		if err := nixstore.CheckOutside(storeDir, outDir); err != nil {
			return targetError(err, "--out-dir")
		}
	}
	if link != "" {
		if err := nixstore.CheckOutside(storeDir, filepath.Dir(filepath.Clean(link))); err != nil {
			return targetError(err, "--out-link")
		}
	}
	return nil
}

func targetError(err error, flag string) error {
	return &diag.UsageError{Err: err, Hint: "choose a " + flag + " outside the Nix store; a result in the store is read-only"}
}
