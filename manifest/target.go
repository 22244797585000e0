package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

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
//
// It also makes sure, before any work, that each can be written: the
// directory --out-dir is created in (its nearest existing ancestor) and
// the directory of the link must be directories kubenix can write in.
func CheckTargets(storeDir, outDir, link string) error {
	if outDir != "" {
		if err := nixstore.CheckOutside(storeDir, outDir); err != nil {
			return targetError(err, "--out-dir")
		}
		if err := checkWritable("--out-dir", outDir, true); err != nil {
			return err
		}
	}
	if link != "" {
		if err := nixstore.CheckOutside(storeDir, filepath.Dir(filepath.Clean(link))); err != nil {
			return targetError(err, "--out-link")
		}
		if err := checkWritable("--out-link", link, false); err != nil {
			return err
		}
	}
	return nil
}

// checkWritable checks the directory target is written in: its parent,
// or with create (--out-dir, whose missing parents are made) its nearest
// existing ancestor. A probe directory made and removed there answers
// what permission bits cannot (a root user, a read-only mount, /proc).
func checkWritable(flag, target string, create bool) error {
	parent := filepath.Dir(filepath.Clean(target))
	dir := parent
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return &diag.UsageError{Err: fmt.Errorf("%s %s: %s is a file, not a directory", flag, target, dir)}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return &diag.UsageError{Err: fmt.Errorf("%s %s: %s: %v", flag, target, dir, pathReason(err))}
		}
		up := filepath.Dir(dir)
		if up == dir {
			break
		}
		dir = up
	}
	if dir != parent && !create {
		return &diag.UsageError{Err: fmt.Errorf("%s %s: the directory %s does not exist", flag, target, parent),
			Hint: "create it first, or choose another " + flag}
	}
	probe, err := os.MkdirTemp(dir, ".kubenix-probe-")
	if err != nil {
		return &diag.UsageError{Err: fmt.Errorf("%s %s: kubenix cannot create files in %s (%v)", flag, target, dir, pathReason(err)),
			Hint: "choose a " + flag + " in a directory you can write"}
	}
	return os.Remove(probe)
}

// pathReason is what went wrong with a path, without the operation and
// the path Go puts around it.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func targetError(err error, flag string) error {
	return &diag.UsageError{Err: err, Hint: "choose a " + flag + " outside the Nix store; a result in the store is read-only"}
}
