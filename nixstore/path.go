package nixstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// DefaultStoreDir is where Nix keeps its store unless NIX_STORE_DIR says otherwise.
const DefaultStoreDir = "/nix/store"

// NARHash returns the sha256 of n's NAR serialisation, the hash Nix records
// for every store path.
func NARHash(n *Node) ([32]byte, error) {
	h := sha256.New()
	if err := WriteNAR(h, n); err != nil {
		return [32]byte{}, err
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out, nil
}

// SourcePath computes the store path that `nix-store --add` (or builtins.path)
// gives a tree with the given NAR hash, name and references: a content-addressed
// path, so the same tree always lands at the same path.
func SourcePath(storeDir, name string, narHash [32]byte, references []string) string {
	typ := "source"
	refs := append([]string(nil), references...)
	sort.Strings(refs)
	for _, r := range refs {
		typ += ":" + r
	}
	return makeStorePath(storeDir, typ, narHash, name)
}

func makeStorePath(storeDir, typ string, hash [32]byte, name string) string {
	s := typ + ":sha256:" + hex.EncodeToString(hash[:]) + ":" + storeDir + ":" + name
	full := sha256.Sum256([]byte(s))
	return storeDir + "/" + Base32(compressHash(full[:], 20)) + "-" + name
}

// compressHash folds a hash into size bytes by XOR, as Nix does for store path hashes.
func compressHash(h []byte, size int) []byte {
	out := make([]byte, size)
	for i, b := range h {
		out[i%size] ^= b
	}
	return out
}

// ValidName reports whether name may be the name part of a store path.
func ValidName(name string) error {
	if name == "" || len(name) > 211 || strings.HasPrefix(name, ".") {
		return fmt.Errorf("invalid store path name %q", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+-._?=", c)) {
			return fmt.Errorf("invalid character %q in store path name %q", c, name)
		}
	}
	return nil
}

// HashPart returns the 32-character hash of a store path (the part before the
// first dash of its base name), or "" when p is not in storeDir.
func HashPart(storeDir, p string) string {
	rest, ok := strings.CutPrefix(p, storeDir+"/")
	if !ok || len(rest) < 33 || rest[32] != '-' {
		return ""
	}
	return rest[:32]
}

// FixedOutputPath computes the store path of a flat file with the given
// sha256 and name, as builtins.fetchurl and `nix-store --add-fixed sha256`
// make it.
func FixedOutputPath(storeDir, name string, sha [32]byte) string {
	inner := sha256.Sum256([]byte("fixed:out:sha256:" + hex.EncodeToString(sha[:]) + ":"))
	return makeStorePath(storeDir, "output:out", inner, name)
}
