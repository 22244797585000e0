package image

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// PinKind says how an image reference in the output is pinned.
type PinKind string

// Kinds of pins.
const (
	PinStoreHash   PinKind = "store-hash"  // a Nix-built image, tagged with its store hash
	PinDigest      PinKind = "digest"      // written with @sha256:... (or pinned by a build)
	PinLock        PinKind = "lock"        // a third-party image pinned from kubenix.lock
	PinSnapshotter PinKind = "snapshotter" // nix:0/nix/store/... for nix-snapshotter
	PinNone        PinKind = "none"        // a tag nobody pinned
)

var storeHashTag = regexp.MustCompile(`:([0123456789abcdfghijklmnpqrsvwxyz]{32})$`)

// StoreHashOf returns the Nix store hash a reference is tagged with, or "".
func StoreHashOf(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if m := storeHashTag.FindStringSubmatch(ref); m != nil {
		return m[1]
	}
	return ""
}

// IsSnapshotter reports a nix-snapshotter reference (nix:0/nix/store/...).
func IsSnapshotter(ref string) bool { return strings.HasPrefix(ref, "nix:0/") }

// Validate checks that ref is a valid image reference.
func Validate(ref string) error {
	if IsSnapshotter(ref) {
		return nil
	}
	if _, err := name.ParseReference(ref, name.WeakValidation); err != nil {
		return fmt.Errorf("invalid image reference %q: %v", ref, err)
	}
	return nil
}

// Repository returns the repository part of a reference: the registry and
// path without tag or digest (docker.io/library/nginx for nginx:1.27).
func Repository(ref string) (string, error) {
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return "", err
	}
	return r.Context().Name(), nil
}

// PathOf returns a reference's repository path within its registry
// (shop/api for localhost:5000/shop/api:tag).
func PathOf(ref string) (registry, path string, err error) {
	r, err := name.ParseReference(ref, name.WeakValidation, name.Insecure)
	if err != nil {
		return "", "", err
	}
	return r.Context().RegistryStr(), r.Context().RepositoryStr(), nil
}

// WithDigest appends (or replaces) the digest of a reference.
func WithDigest(ref, digest string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	return ref + "@" + digest
}
