// Package lock reads and writes kubenix.lock, which pins what a build
// fetches: Helm charts (by URL or OCI reference, version and sha256) and,
// later, container image digests. Builds read it; `kubenix helm add` and
// `kubenix helm update` write it.
package lock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/kubenix/kubenix/internal/atomicfile"
	"github.com/kubenix/kubenix/internal/userfile"
)

// FileName is the lock's name.
const FileName = "kubenix.lock"

// File is a kubenix.lock.
type File struct {
	Path    string           `json:"-"`
	Version int              `json:"version"`
	Charts  map[string]Chart `json:"charts,omitempty"`
	Images  map[string]Image `json:"images,omitempty"`
}

// Image pins a third-party image reference (nginx:1.27) to a digest: the
// image index's digest where the registry has one (all platforms), else
// the manifest's.
type Image struct {
	Digest string `json:"digest"`
}

// Chart pins one chart archive.
type Chart struct {
	Repo       string `json:"repo"`                // https://charts.example.com or oci://registry/path
	Chart      string `json:"chart"`               // the chart's name
	Constraint string `json:"constraint"`          // the version asked for (exact, or a range like ^18.0.0)
	Version    string `json:"version"`             // the version it resolved to
	URL        string `json:"url"`                 // where the archive was downloaded (https://... or oci://...:version)
	SHA256     string `json:"sha256"`              // of the .tgz, hex
	Digest     string `json:"digest,omitempty"`    // OCI manifest digest, for oci:// charts
	PlainHTTP  bool   `json:"plainHTTP,omitempty"` // an OCI registry spoken to over http
}

// Key is how Nix code names a locked chart: kubenix.helm.fetch
// { repo; chart; version; } looks up "repo/chart@version".
func Key(repo, chart, version string) string { return repo + "/" + chart + "@" + version }

// StoreName is the name of the chart's store path.
func (c Chart) StoreName() string { return c.Chart + "-" + c.Version + ".tgz" }

// Read reads a lock file; a missing file is an empty lock.
func Read(path string) (*File, error) {
	f := &File{Path: path, Version: 1}
	b, err := userfile.Read(path, userfile.SmallLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse reads the contents of the lock file at path.
func Parse(path string, b []byte) (*File, error) {
	f := &File{Path: path, Version: 1}
	// null, a list or nothing would otherwise read as an empty lock, or
	// fail naming Go types.
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%s: not a kubenix lock: expected a JSON object like {\"version\": 1, ...}", path)
	}
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("%s: lock version %d is not supported by this kubenix", path, f.Version)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

var (
	imageDigest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	sha256Hex   = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// check refuses entries whose pins are not digests: a lock is committed
// and reviewed, and what it pins is written into manifests as it is.
func (f *File) check() error {
	for _, ref := range slices.Sorted(maps.Keys(f.Images)) {
		if d := f.Images[ref].Digest; !imageDigest.MatchString(d) {
			return fmt.Errorf("image %s: digest %q is not sha256: and 64 lowercase hex digits", ref, d)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(f.Charts)) {
		c := f.Charts[key]
		if !sha256Hex.MatchString(c.SHA256) {
			return fmt.Errorf("chart %s: sha256 %q is not 64 hex digits", key, c.SHA256)
		}
		if c.Digest != "" && !imageDigest.MatchString(c.Digest) {
			return fmt.Errorf("chart %s: digest %q is not sha256: and 64 lowercase hex digits", key, c.Digest)
		}
	}
	return nil
}

// Find returns the lock of an app: explicit when given, else the nearest
// kubenix.lock in the app file's directory or above it (up to the
// repository root), else an empty lock beside the app file.
func Find(appFile, explicit string) (*File, error) {
	if explicit != "" {
		return Read(explicit)
	}
	abs, err := filepath.Abs(appFile)
	if err != nil {
		return nil, err
	}
	dir := abs
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		dir = filepath.Dir(abs)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, FileName)
		if _, err := os.Stat(p); err == nil {
			return Read(p)
		}
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil || filepath.Dir(d) == d {
			break
		}
	}
	return &File{Path: filepath.Join(dir, FileName), Version: 1}, nil
}

// Write saves the lock atomically, with stable formatting.
func (f *File) Write() error {
	f.Version = 1
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return atomicfile.Write(f.Path, b, 0o644)
}

// ChartsForNix is what the Nix library needs of each locked chart.
func (f *File) ChartsForNix() map[string]any {
	out := map[string]any{}
	for k, c := range f.Charts {
		out[k] = map[string]any{"url": c.URL, "sha256": c.SHA256, "name": c.StoreName()}
	}
	return out
}
