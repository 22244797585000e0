package helmwrap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/kubenix/kubenix/internal/atomicfile"
)

// The render cache. kubenix.helm.chart computes, in Nix, a key from the
// chart's content (its store path), the values and the options, and reads
// CACHEDIR/helm-renders/KK/KEY.json when it exists and its checksum
// holds; only otherwise does it call kubenix to render, and kubenix writes
// the entry. So a build whose charts and values did not change starts no
// renderer at all, and a corrupt entry is simply rendered again.

// cacheEntry is the file Nix reads: Objects is the rendered objects as a
// JSON string (what builtins.fromJSON turns into the Nix value), Checksum
// its sha256 in hex (what builtins.hashString "sha256" gives).
type cacheEntry struct {
	Checksum         string   `json:"checksum"`
	Objects          string   `json:"objects"`
	Chart            string   `json:"chart"`
	Nondeterministic []string `json:"nondeterministic"`
}

// writeCache stores a render under its key; the entry appears atomically.
func writeCache(dir, key string, objectsJSON []byte, res *Result) error {
	sum := sha256.Sum256(objectsJSON)
	nd := res.Nondeterministic
	if nd == nil {
		nd = []string{}
	}
	b, err := json.Marshal(cacheEntry{Checksum: hex.EncodeToString(sum[:]), Objects: string(objectsJSON), Chart: res.Chart, Nondeterministic: nd})
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "helm-renders", key[:2], key+".json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, b, 0o644)
}
