package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixstore"
	"github.com/kubenix/kubenix/schema"
)

// Source is one input of a check: the objects of a .nix file or of
// manifest files, with what was wrong reading them.
type Source struct {
	Objects   []*manifest.Object
	Keyed     []*manifest.Keyed
	Diags     diag.List
	Eval      *eval.Options             // for the objects of a .nix file: how to find field positions
	NixImages map[string]image.NixImage // the derivations it refers to, by output store hash
	Lock      *lock.File                // the kubenix.lock of a .nix file
	storeDir  string
	file      string // a manifest file kubenix check reads as it checks it (checkStream)
}

// start reads what every source is checked against: the built-in API of
// the target version, and the CRDs of --crd.
func start(opts Options) (*schema.Set, CRDs, error) {
	set, err := schema.NewSet(opts.KubeVersion)
	if err != nil {
		return nil, CRDs{}, &diag.UsageError{Err: err, Hint: "choose one with --kube-version"}
	}
	objs, problems, err := manifest.ReadCRDs(opts.CRDs)
	if err != nil {
		return nil, CRDs{}, err
	}
	return set, CRDs{Objects: objs, Problems: problems}, nil
}

// appSource is the app of a build: its .nix file evaluated, or the tree of
// --from-json.
func appSource(ctx context.Context, opts Options, set *schema.Set, crds CRDs, t *Timings) (*Source, diag.List, error) {
	if opts.FromJSON != "" {
		src, err := JSONSource(opts.FromJSON, opts.Lock, nixstore.EnvDir(), opts.BuildImages)
		return src, nil, err
	}
	return evaluate(ctx, &opts, set, crds, t)
}

// pathSources are the sources of kubenix check: .nix files evaluated as a
// build evaluates them, manifest files to read.
func pathSources(ctx context.Context, opts Options, set *schema.Set, crds CRDs, evalFor func(file string) (eval.Options, error), paths []string) ([]*Source, error) {
	var sources []*Source
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, &diag.UsageError{Err: fmt.Errorf("%s: no such file or directory", p)}
		}
		switch ext := filepath.Ext(p); {
		case !fi.IsDir() && ext == ".nix":
			eo, err := evalFor(p)
			if err != nil {
				return nil, err
			}
			o := opts
			o.Eval = eo
			var t Timings
			src, warnings, err := evaluate(ctx, &o, set, crds, &t)
			if err != nil {
				var inv *diag.InvalidInput
				if !errors.As(err, &inv) {
					return nil, err
				}
				sources = append(sources, &Source{Diags: inv.Diagnostics})
				continue
			}
			src.Diags = append(warnings, src.Diags...)
			sources = append(sources, src)
		case fi.IsDir() || ext == ".yaml" || ext == ".yml" || ext == ".json":
			files, err := manifest.Files(p)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				sources = append(sources, &Source{file: f}) // read as it is checked
			}
		default:
			return nil, diag.Usagef("%s: kubenix checks .nix files, .yaml/.yml/.json manifests and directories of manifests", p)
		}
	}
	return sources, nil
}

// evaluate evaluates a .nix file with the kubenix helpers available, and
// extracts its objects. When the file renders Helm charts and defines CRDs
// of its own, it is evaluated once more so that the charts see those CRDs
// in .Capabilities.APIVersions (renders are cached, so this is cheap).
func evaluate(ctx context.Context, opts *Options, set *schema.Set, crds CRDs, t *Timings) (*Source, diag.List, error) {
	lf, err := lock.Find(opts.Eval.File, opts.Lock)
	if err != nil {
		return nil, nil, &diag.UsageError{Err: err}
	}
	if len(lf.Charts) > 0 {
		st, err := nixstore.Find("", opts.Eval.NixInstantiate, nixstore.EnvDir())
		if err != nil {
			return nil, nil, err
		}
		if err := helmwrap.EnsureCharts(ctx, lf, st, helmwrap.NewRemote(false)); err != nil {
			return nil, nil, err
		}
	}
	apis := manifest.CRDAPIVersions(crds.Objects)
	for pass := 0; ; pass++ {
		if err := helperContext(opts, set, apis, lf); err != nil {
			return nil, nil, err
		}
		res, err := eval.Evaluate(ctx, opts.Eval)
		if err != nil {
			return nil, nil, err
		}
		reported, warnings := stats(res.Stats)
		start := time.Now()
		src := NixSource(&opts.Eval, res)
		src.storeDir = res.StoreDir
		src.Lock = lf
		t.Extract += time.Since(start)
		t.Renders, t.CachedRenders = 0, 0
		for _, s := range reported {
			if s.Op == "helm.render" {
				if s.Cached {
					t.CachedRenders++
				} else {
					t.Renders++
				}
			}
		}
		// CRDs of charts were already in their render's capabilities.
		more := manifest.CRDAPIVersions(slices.DeleteFunc(slices.Clone(src.Objects), func(o *manifest.Object) bool { return o.Origin.Chart != "" }))
		if pass > 0 || t.Renders+t.CachedRenders == 0 || subset(more, apis) {
			return src, warnings, nil
		}
		apis = append(apis, more...)
	}
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// NixSource extracts the objects of an evaluated file.
func NixSource(opts *eval.Options, res *eval.Result) *Source {
	sites := make(manifest.Sites, len(res.Objects))
	for _, s := range res.Objects {
		sites[manifest.Path(s.Path).String()] = manifest.Origin{Pos: s.Pos, Site: s.Site}
	}
	objs, keyed, diags := manifest.Extract(res.Value, sites)
	for i := range diags {
		if diags[i].Pos.IsZero() { // the file's value itself: no attribute to point at
			diags[i].Pos = diag.Pos{File: opts.File}
		}
	}
	return &Source{Objects: objs, Keyed: keyed, Diags: diags, Eval: opts, NixImages: nixImages(res.StoreDir, res.Context)}
}

// nixImages maps the store hash of every derivation output the value's
// strings refer to, to the derivation: what kubenix.image references name.
func nixImages(storeDir string, context map[string]eval.ContextEntry) map[string]image.NixImage {
	out := map[string]image.NixImage{}
	for path, c := range context {
		if !strings.HasSuffix(path, ".drv") || len(c.Outputs) == 0 && !c.AllOuts {
			continue
		}
		outs, err := nixstore.DerivationOutputs(path)
		if err != nil {
			continue
		}
		for _, p := range outs {
			if h := nixstore.HashPart(storeDir, p); h != "" {
				out[h] = image.NixImage{Drv: path, Out: p}
			}
		}
	}
	return out
}

// JSONSource reads a tree that was evaluated elsewhere: the JSON of a Nix
// value (builtins.toJSON), as the flake's kubenix.lib.manifests hands it to
// the derivation that writes the manifests, where kubenix cannot run Nix.
// From there on it is checked as an evaluated .nix file is. There are no
// source positions: diagnostics name the file, the tree path and the object.
//
// With findImages, image references tagged with a store hash
// (kubenix.image) are Nix-built images when that store path is present in
// storeDir, as a derivation's inputs are; without, there is no telling them
// from other tags (looking in a store the build does not own would make the
// output depend on what happens to be there).
func JSONSource(file, lockFile, storeDir string, findImages bool) (*Source, error) {
	data, err := userfile.Read(file, userfile.ManifestLimit)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	where := diag.Pos{File: file}
	tree, err := manifest.DecodeJSON(data)
	if err != nil {
		return nil, diag.List{{Severity: diag.Error, Pos: where, Message: "not a JSON tree of objects: " + err.Error(),
			Hint: "--from-json reads what builtins.toJSON (or nix eval --json) gives for an app's value"}}.Err()
	}
	objs, keyed, diags := manifest.Extract(tree, nil)
	for _, o := range objs {
		o.Origin.Site = where
	}
	for _, k := range keyed {
		k.Origin.Site = where
	}
	for i := range diags {
		if diags[i].Pos.IsZero() {
			diags[i].Pos = where
		}
	}
	// Only an explicit lock: a tree has no app file to find one beside.
	lf := &lock.File{Version: 1}
	if lockFile != "" {
		if lf, err = lock.Read(lockFile); err != nil {
			return nil, &diag.UsageError{Err: err}
		}
	}
	src := &Source{Objects: objs, Keyed: keyed, Diags: diags, Lock: lf, storeDir: storeDir}
	if findImages {
		src.NixImages = imagesInStore(storeDir, tree)
	}
	return src, nil
}

// imagesInStore finds the store paths that the tree's store-hash-tagged
// image references (registry/name:<hash>, nix:0/<store path>) name, among
// those present in storeDir.
func imagesInStore(storeDir string, tree any) map[string]image.NixImage {
	out := map[string]image.NixImage{}
	wanted := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case string:
			if image.IsSnapshotter(t) {
				p := strings.TrimPrefix(t, "nix:0")
				base := filepath.Base(p)
				if filepath.Dir(p) == storeDir && len(base) > 33 {
					if _, err := os.Lstat(p); err == nil {
						out[base[:32]] = image.NixImage{Drv: p, Out: p}
					}
				}
			} else if h := image.StoreHashOf(t); h != "" {
				wanted[h] = true
			}
		}
	}
	walk(tree)
	if len(wanted) == 0 {
		return out
	}
	// In a derivation's sandbox the store holds only its inputs; elsewhere
	// this lists the whole store once.
	ents, _ := os.ReadDir(storeDir)
	for _, e := range ents {
		name := e.Name()
		if len(name) > 33 && name[32] == '-' && wanted[name[:32]] && !strings.HasSuffix(name, ".drv") {
			p := filepath.Join(storeDir, name)
			// No derivation to name: the image was built before kubenix ran.
			out[name[:32]] = image.NixImage{Drv: p, Out: p}
		}
	}
	return out
}

// pinOptions say how to pin the images of the sources' objects: with the
// derivations they refer to and the lock of the app.
func pinOptions(opts Options, sources []*Source) (image.PinOptions, error) {
	nixImages := map[string]image.NixImage{}
	lf := &lock.File{Version: 1}
	for _, src := range sources {
		for h, img := range src.NixImages {
			nixImages[h] = img
		}
		if src.Lock != nil && lf.Path == "" {
			lf = src.Lock
		}
	}
	var extra []image.ExtraField
	for _, f := range opts.ImageFields {
		e, ok := image.ParseExtraField(f)
		if !ok {
			return image.PinOptions{}, diag.Usagef("--image-field %q: expected Kind:path, e.g. Widget:spec.image", f)
		}
		extra = append(extra, e)
	}
	po := image.PinOptions{NixImages: nixImages, Lock: lf, Build: opts.BuildImages, RequirePinned: opts.RequirePinned,
		Extra: extra, CacheDir: opts.Eval.CacheDir}
	// The images of a JSON tree are built already (or not at all): there is
	// no derivation to realise, and perhaps no Nix to realise it with.
	if opts.BuildImages && opts.FromJSON == "" {
		st, err := nixstore.Find("", opts.Eval.NixInstantiate, nixstore.EnvDir())
		if err != nil {
			return image.PinOptions{}, err
		}
		po.Realise = st.Realise
	}
	return po, nil
}
