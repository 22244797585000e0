// Package pipeline is the story of a build on one page: evaluate, extract,
// resolve keyed, collect CRDs, normalize, pin, guard secrets, validate,
// locate, order, write. Each step is a function of the package that owns it; pipeline only
// calls them in order. check, eval, diff's .nix sides and --from-json are
// the same steps with another end.
package pipeline

import (
	"context"
	"slices"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixstore"
	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/schema/native"
	"github.com/kubenix/kubenix/secrets"
)

// Build loads and writes. Nothing is written unless every object is valid;
// the previous result stays in place until the new one is complete.
func Build(ctx context.Context, opts BuildOptions) (*Built, error) {
	if err := manifest.CheckTargets(nixstore.EnvDir(), opts.OutDir, opts.outLink()); err != nil { // manifest: the store is written only through the store
		return nil, err
	}
	l, err := Load(ctx, opts.Options)
	if err != nil {
		return nil, err
	}
	return write(ctx, opts, l) // manifest: render; manifest/nixstore: write
}

// Load evaluates the app (or reads the tree of --from-json) and returns its
// objects, checked and in install order, or an error carrying every
// problem found.
func Load(ctx context.Context, opts Options) (*Loaded, error) {
	set, crds, err := start(opts) // schema: the target version; manifest: --crd
	if err != nil {
		return nil, err
	}
	var t Timings
	begin := time.Now()
	src, warnings, err := appSource(ctx, opts, set, crds, &t) // eval: evaluate; manifest: extract
	if err != nil {
		return nil, err
	}
	t.Eval = time.Since(begin) - t.Extract

	begin = time.Now()
	c, err := Check(ctx, set, opts, crds, src)
	if err != nil {
		return nil, err
	}
	t.Validate = time.Since(begin)
	diags := append(warnings, c.Diagnostics...)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	manifest.Order(c.Objects) // manifest: install order
	return &Loaded{Objects: c.Objects, Images: c.Images, Warnings: diags, StoreDir: src.storeDir, Timings: t}, nil
}

// CheckPaths validates .nix files (evaluated as build does) and YAML or
// JSON manifests (files, or directories searched recursively) together:
// CRDs in any of them apply to all. It writes nothing. Manifest files are
// read one document at a time and checked in batches (see checkStream),
// so a large one is checked in bounded memory.
func CheckPaths(ctx context.Context, opts Options, evalFor func(file string) (eval.Options, error), paths []string) (*CheckResult, error) {
	if len(paths) == 0 {
		return nil, diag.Usagef("nothing to check: give .nix files, manifest files or directories")
	}
	set, crds, err := start(opts)
	if err != nil {
		return nil, err
	}
	sources, err := pathSources(ctx, opts, set, crds, evalFor, paths)
	if err != nil {
		return nil, err
	}
	return checkStream(ctx, set, opts, crds, sources)
}

// Check takes the objects of several sources through the steps between
// extract and order, together (the CRDs of one apply to all), and returns
// all objects, their images, and every diagnostic, errors at the position
// the user wrote them.
func Check(ctx context.Context, set *schema.Set, opts Options, crds CRDs, sources ...*Source) (*Checked, error) {
	c := &checking{diags: slices.Clone(crds.Problems)}
	set = set.With(crds.Objects)
	for _, src := range sources {
		c.diags = append(c.diags, src.Diags...)
		set = set.With(src.Objects) // schema: collect CRDs
	}
	for _, src := range sources {
		keyed, d := manifest.ResolveKeyed(src.Keyed, set.PluralKind) // manifest+schema: resolve keyed
		set = set.With(keyed)
		c.diags = append(c.diags, d...)
		c.add(src, src.Objects, keyed)
	}
	po, err := pinOptions(opts, sources)
	if err != nil {
		return nil, err
	}
	pinned, err := c.check(ctx, set, opts, po)
	if err != nil {
		return nil, err
	}
	c.diags = append(c.diags, manifest.CheckDuplicates(c.objs)...)
	c.diags = append(c.diags, pinned.Stale...)
	return &Checked{Objects: c.objs, Images: pinned.Images, Diagnostics: c.all()}, nil
}

// check takes c's objects through the steps that look at one object at a
// time, from normalize to locate.
func (c *checking) check(ctx context.Context, set *schema.Set, opts Options, po image.PinOptions) (*image.Result, error) {
	c.perObject(set.Normalize(c.objs, schema.NormalizeOptions{Namespace: opts.Namespace})) // schema: normalize
	c.perObject(readProblems(c.objs))
	pinned, err := image.Pin(ctx, c.objs, po) // image: pin
	if err != nil {
		return nil, err
	}
	c.perObject(byObject(c.objs, pinned.Problems))
	c.perObject(secrets.Guard(c.objs, opts.Secrets)) // secrets: guard
	so := schema.Options{AllowUnknownKinds: opts.AllowUnknownKinds, AllowUnknownFields: opts.AllowUnknownFields}
	seen := secrets.ForValidation(c.objs)
	c.perObject(merged(set.ValidateAll(seen, so), native.Validate(set, seen))) // schema, schema/native: validate
	if err := eval.Locate(ctx, c.objs, c.per, c.evalOf); err != nil {          // eval: locate
		return nil, err
	}
	c.scrub(opts.Secrets) // secrets: no secret value in a message
	return pinned, nil
}
