// Package pipeline is the whole story of a build in one place: evaluate,
// extract, resolve types, normalize, validate, order, render, write. Each
// step is a function of another package; this one only wires them.
package pipeline

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixstore"
	"github.com/kubenix/kubenix/schema"
)

// Options configure loading and checking objects.
type Options struct {
	Eval eval.Options
	// FromJSON, when set, is a file holding the JSON tree of an app
	// evaluated elsewhere (see JSONSource); Eval then only supplies the
	// cache directory.
	FromJSON           string
	KubeVersion        string   // target Kubernetes version ("" = newest known)
	Namespace          string   // for namespaced objects without one ("" = default)
	CRDs               []string // files or directories of extra CRDs (--crd)
	AllowUnknownKinds  bool
	AllowUnknownFields bool
	Lock               string // kubenix.lock to use ("" finds the app's)
	Strict             bool   // charts that render differently each time are errors

	BuildImages   bool     // realise Nix-built images and pin them by digest (--images build)
	RequirePinned bool     // an image reference that is not pinned is an error
	ImageFields   []string // more places that hold image references: Kind:spec.path
	ImageRegistry string   // the registry kubenix.image tags with ("" = localhost:5000)
}

// Timings record how long each stage took.
type Timings struct {
	Eval, Extract, Validate, Render, Write time.Duration
	Renders, CachedRenders                 int // Helm charts rendered, and served from the cache
}

// Loaded is the checked, ordered object set of a build.
type Loaded struct {
	Objects  []*manifest.Object // in install order
	Images   []*image.Info      // every image the objects refer to
	Warnings diag.List
	StoreDir string
	Set      *schema.Set
	Timings  Timings
}

// Load evaluates the file and returns its objects, checked and in install
// order, or an error carrying every problem found.
func Load(ctx context.Context, opts Options) (*Loaded, error) {
	var l Loaded
	set, err := newSet(opts)
	if err != nil {
		return nil, err
	}
	l.Set = set

	start := time.Now()
	var src *Source
	var warnings diag.List
	if opts.FromJSON != "" {
		src, err = JSONSource(opts.FromJSON, opts.Lock, nixstore.EnvDir(), opts.BuildImages)
	} else {
		src, warnings, err = evaluate(ctx, &opts, set, &l.Timings)
	}
	if err != nil {
		return nil, err
	}
	l.Timings.Eval = time.Since(start) - l.Timings.Extract
	l.StoreDir = src.storeDir

	start = time.Now()
	res, err := Check(ctx, set, opts, src)
	if err != nil {
		return nil, err
	}
	objs, diags := res.Objects, append(warnings, res.Diagnostics...)
	l.Images = res.Images
	l.Timings.Validate = time.Since(start)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	manifest.Order(objs)
	l.Objects = objs
	l.Warnings = diags
	return &l, nil
}

func newSet(opts Options) (*schema.Set, error) {
	set, err := schema.NewSet(opts.KubeVersion)
	if err != nil {
		return nil, &diag.UsageError{Err: err, Hint: "choose one with --kube-version"}
	}
	return set, nil
}

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
}

// evaluate evaluates a .nix file with the kubenix helpers available, and
// extracts its objects. When the file renders Helm charts and defines CRDs
// of its own, it is evaluated once more so that the charts see those CRDs
// in .Capabilities.APIVersions (renders are cached, so this is cheap).
func evaluate(ctx context.Context, opts *Options, set *schema.Set, t *Timings) (*Source, diag.List, error) {
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
	crdFiles, _, _ := manifest.ReadCRDs(opts.CRDs)
	apis := crdAPIVersions(crdFiles)
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
		more := crdAPIVersions(slices.DeleteFunc(slices.Clone(src.Objects), func(o *manifest.Object) bool { return o.Origin.Chart != "" }))
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

// Checked is the outcome of Check.
type Checked struct {
	Objects     []*manifest.Object
	Images      []*image.Info
	Diagnostics diag.List
}

// Check resolves, normalizes, pins and validates the objects of several
// sources together (the CRDs of one apply to all), and returns all objects,
// their images, and every diagnostic, errors with the position the user
// wrote them at.
func Check(ctx context.Context, set *schema.Set, opts Options, sources ...*Source) (*Checked, error) {
	var diags diag.List
	crds, d, err := manifest.ReadCRDs(opts.CRDs)
	if err != nil {
		return nil, err
	}
	diags = append(diags, d...)
	set = set.With(crds)

	var all []*manifest.Object
	owner := map[*manifest.Object]*Source{}
	for _, src := range sources {
		diags = append(diags, src.Diags...)
		set = set.With(src.Objects)
	}
	for _, src := range sources {
		objs, d := manifest.ResolveKeyed(src.Keyed, func(plural string) (string, string, error) {
			t, err := set.ResolvePlural(plural)
			if err != nil {
				return "", "", err
			}
			return t.APIVersion(), t.Kind, nil
		})
		diags = append(diags, d...)
		set = set.With(objs)
		src.Objects = append(src.Objects, objs...)
		for _, o := range src.Objects {
			owner[o] = src
		}
		all = append(all, src.Objects...)
	}
	perObject := set.Normalize(all, schema.NormalizeOptions{Namespace: opts.Namespace})
	for i, o := range all {
		for _, p := range o.Problems {
			p.Object, p.Identity, p.Path = o.ID(), o.Identity(), o.TreePath()
			perObject[i] = append(perObject[i], p)
		}
	}
	diags = append(diags, manifest.CheckDuplicates(all)...)
	pinned, err := pinImages(ctx, opts, sources, all)
	if err != nil {
		return nil, err
	}
	diags = append(diags, pinned.Stale...)
	for i, o := range all {
		perObject[i] = append(perObject[i], pinned.Problems[o]...)
	}
	for i, l := range set.ValidateAll(all, schema.Options{AllowUnknownKinds: opts.AllowUnknownKinds, AllowUnknownFields: opts.AllowUnknownFields}) {
		perObject[i] = append(perObject[i], l...)
	}
	if err := locateFields(ctx, all, perObject, owner); err != nil {
		return nil, err
	}
	for _, l := range perObject {
		diags = append(diags, l...)
	}
	diag.SortByPosition(diags)
	return &Checked{Objects: all, Images: pinned.Images, Diagnostics: diags}, nil
}

// pinImages pins the image references of all objects (see image.Pin).
func pinImages(ctx context.Context, opts Options, sources []*Source, objs []*manifest.Object) (*image.Result, error) {
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
			return nil, diag.Usagef("--image-field %q: expected Kind:path, e.g. Widget:spec.image", f)
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
			return nil, err
		}
		po.Realise = st.Realise
	}
	return image.Pin(ctx, objs, po)
}

// BuildOptions configure a build: loading plus where the result goes.
type BuildOptions struct {
	Options
	OutLink  string // symlink to the store result (default "result")
	NoLink   bool   // add to the store but create no link (like nix-build --no-out-link)
	OutDir   string // write plain files into this directory instead of the store
	NixStore string // the nix-store executable; "" finds it next to nix-instantiate or on PATH
}

// Built describes a finished build.
type Built struct {
	*Loaded
	Files     []manifest.File
	StorePath string // the store result, when written to the store
	Written   string // where the result can be found: the link, the store path or the out dir
}

// Build loads, renders and writes. Nothing is written unless every object is
// valid; the previous result stays in place until the new one is complete.
func Build(ctx context.Context, opts BuildOptions) (*Built, error) {
	l, err := Load(ctx, opts.Options)
	if err != nil {
		return nil, err
	}
	b := &Built{Loaded: l}
	start := time.Now()
	b.Files, err = manifest.Render(l.Objects)
	if err != nil {
		return nil, err
	}
	if len(l.Images) > 0 {
		b.Files = append(b.Files, manifest.File{Name: image.ListFile, Data: image.FormatList(l.Images)})
	}
	l.Timings.Render = time.Since(start)

	start = time.Now()
	if opts.OutDir != "" {
		if err := manifest.WriteDir(ctx, opts.OutDir, b.Files); err != nil {
			return nil, err
		}
		b.Written = opts.OutDir
	} else {
		st, err := nixstore.Find(opts.NixStore, opts.Eval.NixInstantiate, l.StoreDir)
		if err != nil {
			return nil, err
		}
		link := opts.OutLink
		if opts.NoLink {
			link = ""
		} else if link == "" {
			link = "result"
		}
		st.Warn = func(msg string) {
			l.Warnings = append(l.Warnings, diag.Diagnostic{Severity: diag.Warning, Message: msg})
		}
		name := opts.Eval.File
		if opts.FromJSON != "" {
			name = strings.TrimSuffix(opts.FromJSON, ".json")
		}
		b.StorePath, err = manifest.WriteStore(ctx, st, nixstore.ResultName(name), b.Files, builtArchives(l.Images), link)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ue *diag.UsageError
			if !errors.As(err, &ue) {
				err = &diag.UsageError{Err: err, Hint: "kubenix writes results into the Nix store; where the store is not writable, use --out-dir DIR"}
			}
			return nil, err
		}
		b.Written = b.StorePath
		if link != "" {
			b.Written = link
		}
	}
	l.Timings.Write = time.Since(start)
	return b, nil
}

// builtArchives are the archives of the result's Nix-built images that are
// in the store (built, not only named): the result refers to them, so the
// garbage collector keeps them while the result lives.
func builtArchives(images []*image.Info) []string {
	var out []string
	for _, img := range images {
		if img.Archive == "" {
			continue
		}
		if _, err := os.Lstat(img.Archive); err == nil {
			out = append(out, img.Archive)
		}
	}
	return out
}
