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
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubenix/kubenix/diag"
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
		return nil, invalid(path, b, len(b)-len(bytes.TrimLeft(b, " \t\r\n")), "not a kubenix lock: expected a JSON object like {\"version\": 1, ...}")
	}
	if err := json.Unmarshal(b, f); err != nil {
		return nil, invalid(path, b, jsonErrorOffset(err), err.Error())
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("%s: lock version %d is not supported by this kubenix", path, f.Version)
	}
	// A field kubenix does not know is a typo or a lock of another tool:
	// what it meant to pin would silently not be pinned.
	if key, off, ok := unknownField(b); ok {
		return nil, invalid(path, b, off, fmt.Sprintf("unknown field %q: a kubenix lock has version, charts (repo, chart, constraint, version, url, sha256, digest, plainHTTP) and images (digest)", key))
	}
	for _, ref := range slices.Sorted(maps.Keys(f.Images)) {
		if _, err := name.ParseReference(ref); err != nil {
			return nil, invalid(path, b, keyOffset(b, ref), fmt.Sprintf("images: %q is not an image reference (registry/name:tag, as objects write it)", ref))
		}
	}
	if key, msg := f.check(); msg != "" {
		return nil, invalid(path, b, keyOffset(b, key), msg)
	}
	return f, nil
}

// jsonErrorOffset is where in its input encoding/json stopped (0 if it
// does not say).
func jsonErrorOffset(err error) int {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return int(max(syntax.Offset-1, 0))
	case errors.As(err, &typ):
		return int(max(typ.Offset-1, 0))
	}
	return 0
}

// invalid is a lock, or an entry of it, that is wrong: exit 1, at its line.
func invalid(path string, b []byte, off int, msg string) error {
	off = min(max(off, 0), len(b))
	line := bytes.Count(b[:off], []byte("\n")) + 1
	col := off - (bytes.LastIndexByte(b[:off], '\n') + 1) + 1
	return diag.List{{Severity: diag.Error, Pos: diag.Pos{File: path, Line: line, Col: col}, Message: msg,
		Hint: "kubenix images lock and kubenix helm add write kubenix.lock; fix the entry or write it again"}}.Err()
}

// keyOffset is where the object key k is written in b (0 if not found).
func keyOffset(b []byte, k string) int {
	q, _ := json.Marshal(k)
	if i := bytes.Index(b, q); i >= 0 {
		return i
	}
	return 0
}

// lockFields are the keys of each level of a lock: nil for a value kubenix
// does not look into, a map of fields, or byName for an object whose keys
// are names (charts, images) and whose values have the fields given.
type lockFields map[string]any

type byName struct{ fields lockFields }

// lookup finds a field as json.Unmarshal does, ignoring case.
func (f lockFields) lookup(k string) (any, bool) {
	for name, v := range f {
		if strings.EqualFold(name, k) {
			return v, true
		}
	}
	return nil, false
}

var lockSchema = lockFields{
	"version": nil,
	"charts":  byName{lockFields{"repo": nil, "chart": nil, "constraint": nil, "version": nil, "url": nil, "sha256": nil, "digest": nil, "plainHTTP": nil}},
	"images":  byName{lockFields{"digest": nil}},
}

// unknownField finds the first key of b (a lock that parses) that a lock
// does not have, and where it is written.
func unknownField(b []byte) (string, int, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var walk func(s any) (string, int, bool, error)
	walk = func(s any) (string, int, bool, error) {
		if s == nil {
			var skip json.RawMessage
			return "", 0, false, dec.Decode(&skip)
		}
		tok, err := dec.Token()
		if err != nil {
			return "", 0, false, err
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return "", 0, false, nil // json.Unmarshal took it: null
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return "", 0, false, err
			}
			k, _ := tok.(string)
			var sub any
			switch t := s.(type) {
			case lockFields:
				v, known := t.lookup(k)
				if !known {
					q, _ := json.Marshal(k)
					return k, max(int(dec.InputOffset())-len(q), 0), true, nil
				}
				sub = v
			case byName:
				sub = t.fields
			}
			if k, off, found, err := walk(sub); found || err != nil {
				return k, off, found, err
			}
		}
		_, err = dec.Token() // '}'
		return "", 0, false, err
	}
	k, off, found, err := walk(lockSchema)
	return k, off, found && err == nil
}

var (
	imageDigest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	sha256Hex   = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// check refuses entries whose pins are not digests: a lock is committed
// and reviewed, and what it pins is written into manifests as it is.
// It returns the key of the first wrong entry and what is wrong with it.
func (f *File) check() (key, msg string) {
	for _, ref := range slices.Sorted(maps.Keys(f.Images)) {
		if d := f.Images[ref].Digest; !imageDigest.MatchString(d) {
			return ref, fmt.Sprintf("image %s: digest %q is not sha256: and 64 lowercase hex digits", ref, d)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(f.Charts)) {
		c := f.Charts[key]
		if !sha256Hex.MatchString(c.SHA256) {
			return key, fmt.Sprintf("chart %s: sha256 %q is not 64 hex digits", key, c.SHA256)
		}
		if c.Digest != "" && !imageDigest.MatchString(c.Digest) {
			return key, fmt.Sprintf("chart %s: digest %q is not sha256: and 64 lowercase hex digits", key, c.Digest)
		}
	}
	return "", ""
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
