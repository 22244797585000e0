package nixstore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckOutsideFollowsSymlinks(t *testing.T) {
	root := t.TempDir()
	store := filepath.Join(root, "store")
	sp := filepath.Join(store, "0123456789abcdfghijklmnpqrsvwxyz-app-manifests")
	os.MkdirAll(sp, 0o755)
	work := filepath.Join(root, "work")
	os.MkdirAll(work, 0o755)
	os.Symlink(sp, filepath.Join(work, "result"))
	os.Symlink(store, filepath.Join(work, "storelink"))
	os.Symlink("result/nested", filepath.Join(work, "relative"))
	t.Chdir(work)
	for p, inside := range map[string]bool{
		"result/sub":                  true, // the case: result is a store symlink
		"result/sub/deeper":           true,
		"storelink":                   true,
		"storelink/x":                 true,
		"relative/x":                  true, // a dangling link whose target is in the store
		store:                         true,
		store + "/../store/x":         true,
		"out":                         false,
		"out/sub":                     false,
		"result/../out":               false, // cleaned first, as the writer cleans it
		filepath.Join(root, "storex"): false,
	} {
		err := CheckOutside(store, p)
		var ise *InStoreError
		if got := errors.As(err, &ise); got != inside {
			t.Errorf("%s: inside = %v (%v), want %v", p, got, err, inside)
		}
	}
}

func TestResolveStorePath(t *testing.T) {
	root := t.TempDir()
	store := filepath.Join(root, "store")
	sp := filepath.Join(store, "0123456789abcdfghijklmnpqrsvwxyz-image.tar")
	os.MkdirAll(store, 0o755)
	os.WriteFile(sp, []byte("x"), 0o444)
	os.WriteFile(filepath.Join(root, "evil"), []byte("x"), 0o755)
	os.Symlink(filepath.Join(root, "evil"), filepath.Join(store, "0123456789abcdfghijklmnpqrsvwxyz-escape"))
	os.WriteFile(filepath.Join(store, "not-a-store-path"), []byte("x"), 0o444)
	os.Symlink(sp, filepath.Join(root, "link"))
	if got, err := ResolveStorePath(store, filepath.Join(root, "link")); err != nil || got != sp {
		t.Errorf("a link to a store path: %s, %v", got, err)
	}
	for _, p := range []string{
		filepath.Join(root, "evil"),
		filepath.Join(store, "0123456789abcdfghijklmnpqrsvwxyz-escape"), // a store-looking link out of the store
		filepath.Join(store, "not-a-store-path"),
		store,
		store + "/../evil",
	} {
		var oe *OutsideError
		if _, err := ResolveStorePath(store, p); !errors.As(err, &oe) {
			t.Errorf("%s: %v, want an OutsideError", p, err)
		}
	}
	if _, err := ResolveStorePath(store, filepath.Join(store, "0123456789abcdfghijklmnpqrsvwxyz-missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing path: %v", err)
	}
}
