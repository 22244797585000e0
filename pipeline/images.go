package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/lock"
)

// LockImages resolves the third-party images of a build to digests and
// records them in its kubenix.lock. With check, it writes nothing and fails
// when a locked digest is no longer served.
func LockImages(ctx context.Context, opts Options, prune, check bool) ([]string, error) {
	l, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	lf, err := lock.Find(opts.Eval.File, opts.Lock)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	if lf.Images == nil {
		lf.Images = map[string]lock.Image{}
	}
	var report []string
	used := map[string]bool{}
	var problems diag.List
	for _, img := range l.Images {
		if img.Pin != image.PinNone && img.Pin != image.PinLock {
			continue
		}
		ref := img.Original
		used[ref] = true
		if check {
			if img.Pin == image.PinNone {
				problems = append(problems, diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: lf.Path},
					Message: fmt.Sprintf("image %s is not in kubenix.lock", ref), Hint: "run kubenix images lock"})
				continue
			}
			if err := image.Exists(ctx, ref, img.Digest); err != nil {
				problems = append(problems, diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: lf.Path},
					Message: fmt.Sprintf("kubenix.lock pins %s to %s, which its registry no longer serves: %v", ref, img.Digest, err),
					Hint:    "run kubenix images lock to pin what the tag points at now"})
				continue
			}
			report = append(report, fmt.Sprintf("%s@%s: served", ref, img.Digest))
			continue
		}
		digest, err := image.Resolve(ctx, ref)
		if err != nil {
			return nil, &diag.UsageError{Err: err, Hint: "check the reference and your network; log in with docker login if the registry needs it"}
		}
		switch old, ok := lf.Images[ref]; {
		case !ok:
			report = append(report, fmt.Sprintf("%s: locked %s", ref, digest))
		case old.Digest != digest:
			report = append(report, fmt.Sprintf("%s: %s -> %s", ref, old.Digest, digest))
		default:
			report = append(report, fmt.Sprintf("%s: %s, unchanged", ref, digest))
		}
		lf.Images[ref] = lock.Image{Digest: digest}
	}
	for _, ref := range slices.Sorted(func(yield func(string) bool) {
		for k := range lf.Images {
			if !yield(k) {
				return
			}
		}
	}) {
		if used[ref] {
			continue
		}
		if prune && !check {
			delete(lf.Images, ref)
			report = append(report, ref+": no object uses it; removed")
		} else {
			report = append(report, ref+": no object uses it (stale; --prune removes it)")
		}
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	if !check {
		if err := lf.Write(); err != nil {
			return nil, &diag.UsageError{Err: err}
		}
	}
	return report, nil
}

// PushImages builds the Nix images of a build and pushes them, to their own
// registry or to registry. progress, when set, is told about each upload.
func PushImages(ctx context.Context, opts Options, registry string, progress func(ref string, done, total int64)) ([]string, error) {
	opts.BuildImages = true
	l, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	var pushed []string
	for _, info := range l.Images {
		if info.Pin != image.PinStoreHash || info.Archive == "" {
			continue
		}
		img, err := image.Load(ctx, info.Archive, opts.Eval.CacheDir, true)
		if err != nil {
			return nil, &diag.UsageError{Err: err}
		}
		if info.Digest != "" && img.Digest != info.Digest {
			return nil, tampered(info, img)
		}
		target, _, _ := strings.Cut(info.Ref, "@")
		if registry != "" {
			_, path, err := image.PathOf(target)
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
		err = image.Push(ctx, img, target, updates)
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

func tampered(info *image.Info, img *image.Image) error {
	return diag.List{{Severity: diag.Error, Pos: diag.Pos{File: info.Archive},
		Message: fmt.Sprintf("%s now gives manifest %s, but the build pinned %s: the image archive changed after the build", info.Archive, img.Digest, info.Digest),
		Hint:    "rebuild (kubenix build --images build) and check the Nix store (nix-store --verify --check-contents)"}}.Err()
}

// ServeRegistry serves the Nix-built images a result refers to, read-only,
// until ctx ends.
func ServeRegistry(ctx context.Context, result, addr, cacheDir string, say func(string)) error {
	data, err := userfile.Read(filepath.Join(result, image.ListFile), userfile.SmallLimit)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(result); serr != nil {
			return diag.Usagef("%s: no such result (build one with kubenix build)", result)
		}
		return diag.Usagef("%s has no %s: the build refers to no images", result, image.ListFile)
	}
	if err != nil {
		return &diag.UsageError{Err: err}
	}
	infos, err := image.ParseList(data)
	if err != nil {
		return &diag.UsageError{Err: err}
	}
	reg := image.NewRegistry()
	n := 0
	for _, info := range infos {
		if info.Pin != image.PinStoreHash || info.Archive == "" {
			continue // third-party and nix-snapshotter images are not ours to serve
		}
		img, err := image.LoadStored(ctx, storeDir(), info.Archive, cacheDir)
		if err != nil {
			return &diag.UsageError{Err: err}
		}
		if info.Digest != "" && img.Digest != info.Digest {
			return tampered(info, img)
		}
		ref, _, _ := strings.Cut(info.Ref, "@")
		_, path, err := image.PathOf(ref)
		if err != nil {
			return &diag.UsageError{Err: err}
		}
		reg.Add(path, ref[strings.LastIndexByte(ref, ':')+1:], img)
		say(fmt.Sprintf("serving %s:%s as %s", path, ref[strings.LastIndexByte(ref, ':')+1:], img.Digest))
		n++
	}
	if n == 0 {
		return diag.Usagef("%s refers to no Nix-built images", result)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &diag.UsageError{Err: err}
	}
	srv := &http.Server{Handler: reg, ReadHeaderTimeout: 10 * time.Second}
	say(fmt.Sprintf("kubenix: serving %d images at http://%s (read-only; Ctrl-C stops)", n, ln.Addr()))
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &diag.UsageError{Err: err}
	}
	return nil
}
