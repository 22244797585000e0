package image

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kubenix/kubenix/diag"
)

// RemoteOptions are how kubenix talks to registries: credentials from the
// docker configuration, a context, a transport.
func RemoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithTransport(http.DefaultTransport)}
}

// Push uploads an image to ref, skipping the blobs the registry already
// has, so that the registry serves exactly img.Digest under that tag.
// progress, when set, receives updates.
func Push(ctx context.Context, img *Image, ref string, progress chan<- v1.Update) error {
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return fmt.Errorf("invalid reference %s: %w", ref, err)
	}
	v1img, err := partial.CompressedToImage(core{img})
	if err != nil {
		return err
	}
	opts := RemoteOptions(ctx)
	if progress != nil {
		opts = append(opts, remote.WithProgress(progress))
	}
	if err := remote.Write(r, v1img, opts...); err != nil {
		return fmt.Errorf("pushing %s: %w", ref, explain(err))
	}
	// The registry must now serve exactly the digest the build wrote.
	desc, err := remote.Head(r, RemoteOptions(ctx)...)
	if err != nil {
		return fmt.Errorf("checking %s after the push: %w", ref, explain(err))
	}
	if desc.Digest.String() != img.Digest {
		return fmt.Errorf("the registry serves %s as %s, not %s", ref, desc.Digest, img.Digest)
	}
	return nil
}

// core exposes an Image to go-containerregistry exactly as kubenix built
// it: its manifest bytes, config and uncompressed layers.
type core struct{ img *Image }

func (c core) RawManifest() ([]byte, error)        { return c.img.Manifest, nil }
func (c core) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (c core) RawConfigFile() ([]byte, error) {
	return os.ReadFile(c.img.BlobPath(c.img.Config.Digest.String()))
}
func (c core) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, d := range append([]v1.Descriptor{c.img.Config}, c.img.Layers...) {
		if d.Digest == h {
			return blob{c.img, d}, nil
		}
	}
	return nil, fmt.Errorf("no blob %s in %s", h, c.img.Archive)
}

type blob struct {
	img *Image
	d   v1.Descriptor
}

func (b blob) Digest() (v1.Hash, error)            { return b.d.Digest, nil }
func (b blob) Size() (int64, error)                { return b.d.Size, nil }
func (b blob) MediaType() (types.MediaType, error) { return b.d.MediaType, nil }
func (b blob) Compressed() (io.ReadCloser, error) {
	return os.Open(b.img.BlobPath(b.d.Digest.String()))
}

// PushBuilt pushes the Nix-built images of a build (its Pin result, built
// with PinOptions.Build) to their own registry or to registry, and returns
// what it pushed as ref@digest. progress, when set, is told about each
// upload.
func PushBuilt(ctx context.Context, images []*Info, registry, cacheDir string, progress func(ref string, done, total int64)) ([]string, error) {
	var pushed []string
	for _, info := range images {
		if info.Pin != PinStoreHash || info.Archive == "" {
			continue
		}
		img, err := Load(ctx, info.Archive, cacheDir, true)
		if err != nil {
			return nil, &diag.UsageError{Err: err}
		}
		if info.Digest != "" && img.Digest != info.Digest {
			return nil, tampered(info, img)
		}
		target, _, _ := strings.Cut(info.Ref, "@")
		if registry != "" {
			_, path, err := PathOf(target)
			if err != nil {
				return nil, &diag.UsageError{Err: err}
			}
			tag := target[strings.LastIndexByte(target, ':'):]
			target = strings.TrimSuffix(registry, "/") + "/" + path + tag
		}
		var updates chan v1.Update
		done := make(chan struct{})
		if progress != nil {
			updates = make(chan v1.Update, 16)
			go func() {
				defer close(done)
				for u := range updates {
					progress(target, u.Complete, u.Total)
				}
			}()
		} else {
			close(done)
		}
		err = Push(ctx, img, target, updates)
		<-done
		if err != nil {
			return nil, &diag.UsageError{Err: err, Hint: "check the registry address and that you may push to it (docker login)"}
		}
		pushed = append(pushed, target+"@"+img.Digest)
	}
	if len(pushed) == 0 {
		return nil, diag.Usagef("the build has no Nix-built images (kubenix.image) to push")
	}
	return pushed, nil
}
