package image

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixstore"
)

// NixImage is an image the build's Nix code built (kubenix.image): the
// derivation and its output, the archive.
type NixImage struct {
	Drv, Out string
}

// PinOptions configure Pin.
type PinOptions struct {
	// NixImages are the derivations the evaluation refers to, by the store
	// hash of their output (what kubenix.image tags references with).
	NixImages map[string]NixImage
	Lock      *lock.File
	// Build realises Nix-built images and pins them by manifest digest.
	Build         bool
	RequirePinned bool
	Extra         []ExtraField
	CacheDir      string
	// Realise builds derivations (nix-store --realise); an error names
	// the failing derivation.
	Realise func(ctx context.Context, drvs []string) error
}

// Info describes one image of a build.
type Info struct {
	Ref      string   // as written into the output
	Original string   // as the objects had it
	Pin      PinKind  //
	Archive  string   // Nix-built images: the archive's store path
	Digest   string   // the manifest digest, when known
	Objects  []string // Kind/namespace/name field, of every use
}

// Result is what Pin did: the images, problems by object, and lock
// entries no object uses.
type Result struct {
	Images   []*Info
	Problems map[*manifest.Object]diag.List
	Stale    diag.List
}

// Pin rewrites the image references of the objects to exact pins:
// Nix-built images keep their store-hash tag and, with Build, gain the
// digest of the archive's manifest; third-party references gain the
// digest kubenix.lock records. References already pinned by digest, and
// nix-snapshotter references, stay as they are.
func Pin(ctx context.Context, objs []*manifest.Object, opts PinOptions) (*Result, error) {
	res := &Result{Problems: map[*manifest.Object]diag.List{}}
	fail := func(u *Use, msg, hint string) {
		res.Problems[u.Object] = append(res.Problems[u.Object], diag.Diagnostic{
			Severity: diag.Error, Pos: u.Object.Origin.Where(), Path: u.Object.TreePath(), Object: u.Object.ID(),
			Identity: u.Object.Identity(), Field: u.Field, Reason: "FieldValueInvalid", Message: msg, Hint: hint,
		})
	}
	uses := Find(objs, opts.Extra)
	byRef := map[string]*Info{}
	var nix, snap []*Use
	usedLock := map[string]bool{}
	for _, u := range uses {
		info := byRef[u.Ref]
		if info == nil {
			info = &Info{Ref: u.Ref, Original: u.Ref}
			byRef[u.Ref] = info
		}
		info.Objects = append(info.Objects, u.Object.ID()+" "+u.Field)
		if err := Validate(u.Ref); err != nil {
			fail(u, err.Error(), "")
			continue
		}
		switch h := StoreHashOf(u.Ref); {
		case IsSnapshotter(u.Ref):
			info.Pin = PinSnapshotter
			// The store path is the image: nix-snapshotter reads it
			// from the node's store. Built along with the archives.
			if img, ok := opts.NixImages[snapshotterHash(u.Ref)]; ok {
				info.Archive = img.Out
				snap = append(snap, u)
			}
		case h != "" && opts.NixImages[h].Out != "":
			info.Pin, info.Archive = PinStoreHash, opts.NixImages[h].Out
			if _, d, ok := strings.Cut(u.Ref, "@"); ok {
				info.Digest = d
			}
			nix = append(nix, u)
		case strings.Contains(u.Ref, "@sha256:"):
			info.Pin = PinDigest
			info.Digest = u.Ref[strings.Index(u.Ref, "@")+1:]
		default:
			if l, ok := opts.Lock.Images[u.Ref]; ok {
				usedLock[u.Ref] = true
				info.Pin, info.Digest = PinLock, l.Digest
				info.Ref = WithDigest(u.Ref, l.Digest)
				u.Set(info.Ref)
				continue
			}
			info.Pin = PinNone
			if opts.RequirePinned {
				fail(u, fmt.Sprintf("image %s is not pinned to a digest", u.Ref), "run kubenix images lock to pin third-party images in kubenix.lock, or write the reference with @sha256:...")
			}
		}
	}
	strayOutputs(objs, uses, opts.NixImages, func(o *manifest.Object, field, msg, hint string) {
		res.Problems[o] = append(res.Problems[o], diag.Diagnostic{
			Severity: diag.Error, Pos: o.Origin.Where(), Path: o.TreePath(), Object: o.ID(),
			Identity: o.Identity(), Field: field, Reason: "FieldValueInvalid", Message: msg, Hint: hint,
		})
	})
	if opts.Build && len(nix)+len(snap) > 0 {
		if err := buildImages(ctx, nix, snap, opts, byRef, fail); err != nil {
			return nil, err
		}
	}
	for ref := range opts.Lock.Images {
		if !usedLock[ref] {
			res.Stale = append(res.Stale, diag.Diagnostic{Severity: diag.Warning, Pos: diag.Pos{File: opts.Lock.Path},
				Message: fmt.Sprintf("kubenix.lock pins image %s, which no object uses any more", ref),
				Hint:    "kubenix images lock --prune removes stale entries"})
		}
	}
	slices.SortFunc(res.Stale, func(a, b diag.Diagnostic) int { return strings.Compare(a.Message, b.Message) })
	for _, k := range slices.Sorted(maps.Keys(byRef)) {
		res.Images = append(res.Images, byRef[k])
	}
	return res, nil
}

// storePathHash finds the hash part of store paths in a string.
var storePathHash = regexp.MustCompile(`/([0-9abcdfghijklmnpqrsvwxyz]{32})-`)

// strayOutputs reports the strings, outside the fields that hold image
// references, that carry the output path of a derivation the evaluation
// refers to ("${drv}" in a ConfigMap's data): kubenix writes the text of
// the path and builds nothing, so the manifest names a path that exists on
// no node. An image is what kubenix builds (kubenix.image, in an image
// field); a file's content is builtins.readFile.
func strayOutputs(objs []*manifest.Object, uses []*Use, nixImages map[string]NixImage, fail func(o *manifest.Object, field, msg, hint string)) {
	if len(nixImages) == 0 {
		return
	}
	imageField := map[*manifest.Object]map[string]bool{}
	for _, u := range uses {
		if imageField[u.Object] == nil {
			imageField[u.Object] = map[string]bool{}
		}
		imageField[u.Object][u.Field] = true
	}
	for _, o := range objs {
		var walk func(segs []any, v any)
		walk = func(segs []any, v any) {
			switch t := v.(type) {
			case map[string]any:
				for _, k := range slices.Sorted(maps.Keys(t)) {
					walk(append(segs, k), t[k])
				}
			case []any:
				for i, e := range t {
					walk(append(segs, i), e)
				}
			case string:
				if len(t) < 34 || !strings.Contains(t, "-") { // no store path in it
					return
				}
				field := manifest.FieldPath(segs)
				if imageField[o][field] {
					return
				}
				for _, m := range storePathHash.FindAllStringSubmatch(t, -1) {
					img, ok := nixImages[m[1]]
					if !ok || !strings.HasSuffix(img.Drv, ".drv") {
						continue // built before kubenix ran (--from-json), or not a derivation's output
					}
					fail(o, field, fmt.Sprintf("the value holds %s, the output of the derivation %s, as text: kubenix builds nothing for it, and the path exists on no node the manifest is applied to", img.Out, img.Drv),
						"for a file's content use builtins.readFile; for an image, kubenix.image in an image field; if the store path is what you mean (a NixOS node's store), build it yourself and write builtins.unsafeDiscardStringContext")
					return
				}
			}
		}
		walk(nil, o.Body)
	}
}

// buildImages realises the image derivations, archives and
// nix-snapshotter images alike, and pins each use of an archive by the
// digest of its manifest.
func buildImages(ctx context.Context, archives, snapshotter []*Use, opts PinOptions, byRef map[string]*Info, fail func(*Use, string, string)) error {
	drvOf := func(u *Use) string {
		if IsSnapshotter(u.Ref) {
			return opts.NixImages[snapshotterHash(u.Ref)].Drv
		}
		return opts.NixImages[StoreHashOf(u.Ref)].Drv
	}
	all := append(slices.Clone(archives), snapshotter...)
	drvs := map[string]bool{}
	for _, u := range all {
		drvs[drvOf(u)] = true
	}
	if opts.Realise != nil {
		if err := opts.Realise(ctx, slices.Sorted(maps.Keys(drvs))); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Nix names the derivation that failed; if it names none of
			// ours (a dependency failed), every use is reported.
			var failed []string
			if re := (*nixstore.RealiseError)(nil); errors.As(err, &re) {
				failed = re.Drvs
			}
			named := slices.ContainsFunc(all, func(u *Use) bool { return slices.Contains(failed, drvOf(u)) })
			for _, u := range all {
				if !named || slices.Contains(failed, drvOf(u)) {
					fail(u, "the image's derivation failed to build: "+err.Error(), "")
				}
			}
			return nil
		}
	}
	uses := archives
	loaded := map[string]*Image{}
	for _, u := range uses {
		img := opts.NixImages[StoreHashOf(u.Ref)]
		im, ok := loaded[img.Out]
		if !ok {
			var err error
			im, err = Load(ctx, img.Out, opts.CacheDir, false)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fail(u, fmt.Sprintf("%s does not build an image: %v", img.Drv, err),
					"kubenix.image takes a derivation that builds a docker archive (dockerTools.buildImage, buildLayeredImage), an OCI layout or a streamLayeredImage script")
				loaded[img.Out] = nil
				continue
			}
			loaded[img.Out] = im
		}
		if im == nil {
			continue
		}
		info := byRef[u.Ref]
		pinned := WithDigest(u.Ref, im.Digest)
		info.Ref, info.Digest = pinned, im.Digest
		u.Set(pinned)
	}
	return nil
}

// snapshotterHash is the store hash of a nix-snapshotter reference's path
// (nix:0/nix/store/<hash>-name).
func snapshotterHash(ref string) string {
	base := path.Base(strings.TrimPrefix(ref, "nix:0"))
	if len(base) < 32 {
		return ""
	}
	return base[:32]
}
