package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Resolve finds the digest a registry serves for a reference: the image
// index's (all platforms) where the tag points at one, else the image
// manifest's.
func Resolve(ctx context.Context, ref string) (string, error) {
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %v", ref, err)
	}
	desc, err := remote.Head(r, RemoteOptions(ctx)...)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", ref, explain(err))
	}
	return desc.Digest.String(), nil
}

// Exists reports whether a registry still serves ref at digest.
func Exists(ctx context.Context, ref, digest string) error {
	r, err := name.ParseReference(WithDigest(ref, digest), name.WeakValidation)
	if err != nil {
		return err
	}
	if _, err := remote.Head(r, RemoteOptions(ctx)...); err != nil {
		return fmt.Errorf("%s@%s: %w", ref, digest, explain(err))
	}
	return nil
}
