package eval

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// nixFiles is the Nix side of kubenix: entry.nix and the kubenix library.
//
//go:embed nix
var nixFiles embed.FS

// libraryFiles returns the embedded files with the version substituted.
func libraryFiles(version string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(nixFiles, "nix", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := nixFiles.ReadFile(p)
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(p, "nix/")] = []byte(strings.ReplaceAll(string(b), "@VERSION@", version))
		return nil
	})
	return files, err
}

// Materialise writes the embedded Nix library under cacheDir, once per
// content: a directory named by the hash of the files, created atomically,
// so concurrent runs and different kubenix versions never see a partial copy.
// It returns the path of entry.nix.
func Materialise(cacheDir, version string) (string, error) {
	files, err := libraryFiles(version)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, name := range sortedKeys(files) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	dir := filepath.Join(cacheDir, "nix-"+hex.EncodeToString(h.Sum(nil))[:16])
	entry := filepath.Join(dir, "entry.nix")
	if _, err := os.Stat(entry); err == nil {
		return entry, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".nix-tmp-")
	if err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	for name, b := range files {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, b, 0o444); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another run may have won the race; its copy is identical.
		if _, statErr := os.Stat(entry); statErr == nil {
			return entry, nil
		}
		return "", fmt.Errorf("cache directory: %w", err)
	}
	return entry, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
