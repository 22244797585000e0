package nixstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Resolve makes p absolute and resolves every symlink on the way to it, as
// the kernel would, dangling ones included (writing through a dangling link
// creates its target); the part that does not exist yet is appended as
// written. p is cleaned first, as the writers that use it clean it.
func Resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	todo := strings.Split(strings.TrimPrefix(abs, "/"), "/")
	cur := "/"
	for links := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, c)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return filepath.Join(append([]string{next}, todo...)...), nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if links++; links > 40 {
			return "", &fs.PathError{Op: "resolve", Path: p, Err: syscall.ELOOP}
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			cur = "/"
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return cur, nil
}

// Contains reports whether p, resolved (see Resolve), is storeDir itself
// or inside it. It returns the resolved path too.
func Contains(storeDir, p string) (bool, string, error) {
	rp, err := Resolve(p)
	if err != nil {
		return false, "", err
	}
	rs, err := Resolve(storeDir)
	if err != nil {
		return false, "", err
	}
	return rp == rs || strings.HasPrefix(rp, rs+string(filepath.Separator)), rp, nil
}

// InStoreError says that an output path leads into the Nix store, which
// only Nix may write.
type InStoreError struct {
	Path     string // as the user gave it
	Resolved string // where it leads
	StoreDir string
}

func (e *InStoreError) Error() string {
	if e.Resolved != "" && e.Resolved != e.Path {
		return fmt.Sprintf("%s leads into the Nix store (%s): kubenix never writes into %s", e.Path, e.Resolved, e.StoreDir)
	}
	return fmt.Sprintf("%s is in the Nix store: kubenix never writes into %s", e.Path, e.StoreDir)
}

// CheckOutside returns an *InStoreError when writing p would write into
// storeDir (following the symlinks of its existing part).
func CheckOutside(storeDir, p string) error {
	in, rp, err := Contains(storeDir, p)
	if err != nil {
		return err
	}
	if in {
		return &InStoreError{Path: p, Resolved: rp, StoreDir: storeDir}
	}
	return nil
}

// OutsideError says that a path that must be a store path is not one.
type OutsideError struct {
	Path     string // as given
	Resolved string // where it leads, when it exists
	StoreDir string
}

func (e *OutsideError) Error() string {
	if e.Resolved != "" && e.Resolved != e.Path {
		return fmt.Sprintf("%s leads to %s, outside the Nix store %s", e.Path, e.Resolved, e.StoreDir)
	}
	return fmt.Sprintf("%s is not in the Nix store %s", e.Path, e.StoreDir)
}

// ResolveStorePath resolves every symlink of p, which must exist, and
// returns where it leads when that is a store path (storeDir/<hash>-<name>)
// or a file inside one; otherwise an *OutsideError (or the error of a path
// that does not exist).
func ResolveStorePath(storeDir, p string) (string, error) {
	if _, err := os.Lstat(p); err != nil {
		return "", err
	}
	rp, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	if rp, err = filepath.Abs(rp); err != nil {
		return "", err
	}
	rs, err := Resolve(storeDir)
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(rp, rs+string(filepath.Separator))
	top, _, _ := strings.Cut(rest, string(filepath.Separator))
	if !ok || len(top) < 34 || top[32] != '-' || strings.Trim(top[:32], nixBase32Alphabet) != "" || ValidName(top[33:]) != nil {
		return "", &OutsideError{Path: p, Resolved: rp, StoreDir: storeDir}
	}
	return rp, nil
}
