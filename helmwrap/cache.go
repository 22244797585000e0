package helmwrap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

var jsonMarshal = json.Marshal

// Cache keeps renders on disk, keyed by everything a render depends on:
// the chart's content, the values and the options (and kubenix's version).
// A second build with the same inputs renders nothing. Entries carry their
// own checksum; a corrupt entry is rendered again.
type Cache struct {
	Dir string // "" disables caching
}

// Key computes the cache key of a render.
func (c Cache) Key(opts RenderOptions, version string) (string, error) {
	digest, err := ChartDigest(opts.Chart)
	if err != nil {
		return "", err
	}
	o := opts
	o.Chart = digest
	o.APIVersions = slices.Clone(o.APIVersions)
	slices.Sort(o.APIVersions)
	b, err := json.Marshal(struct {
		Version string
		Opts    RenderOptions
	}{version, o}) // json.Marshal sorts map keys: stable
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

type cacheEntry struct {
	Checksum string          `json:"checksum"` // sha256 of Result
	Result   json.RawMessage `json:"result"`
}

// Get returns a cached render, or false.
func (c Cache) Get(key string) (*Result, bool) {
	if c.Dir == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil, false
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil {
		return nil, false
	}
	sum := sha256.Sum256(e.Result)
	if hex.EncodeToString(sum[:]) != e.Checksum {
		return nil, false
	}
	var r Result
	if json.Unmarshal(e.Result, &r) != nil {
		return nil, false
	}
	return &r, true
}

// Put stores a render; the entry appears atomically.
func (c Cache) Put(key string, r *Result) error {
	if c.Dir == "" {
		return nil
	}
	res, err := json.Marshal(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(res)
	b, err := json.Marshal(cacheEntry{Checksum: hex.EncodeToString(sum[:]), Result: res})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path(key)), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path(key)), ".tmp-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), c.path(key))
}

func (c Cache) path(key string) string {
	return filepath.Join(c.Dir, key[:2], key+".json")
}

// ChartDigest hashes a chart: the archive's bytes, or every file of a
// chart directory (names and contents).
func ChartDigest(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", &ChartError{Path: path, Msg: fmt.Sprintf("chart %s does not exist", path)}
	}
	h := sha256.New()
	if !fi.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		h.Write(b)
		return "tgz:" + hex.EncodeToString(h.Sum(nil)), nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(path, f)
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return "dir:" + hex.EncodeToString(h.Sum(nil)), nil
}
