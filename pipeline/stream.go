package pipeline

import (
	"context"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
)

// batchSize is how many objects of manifest files are checked together:
// enough to keep every core busy validating, few enough that a manifest of
// any size is checked in bounded memory.
const batchSize = 250

// checkStream checks the sources of kubenix check as Check checks them
// together, but reads manifest files one document at a time and checks
// their objects in batches as they come, keeping only each object's
// diagnostics and identity (for duplicates): memory follows the batch,
// not the files. An object of a kind that no CRD read so far defines
// waits, and is checked at the end with every CRD, together with the
// objects of .nix files.
func checkStream(ctx context.Context, set *schema.Set, opts Options, crds CRDs, sources []*Source) (*CheckResult, error) {
	po, err := pinOptions(opts, sources)
	if err != nil {
		return nil, err
	}
	known := set.With(crds.Objects)
	for _, src := range sources {
		known = known.With(src.Objects) // schema: collect CRDs
	}
	s := &stream{sourceDiags: make([]diag.List, len(sources))}
	var batch, later []placed
	for i, src := range sources {
		if src.file == "" {
			s.sourceDiags[i] = src.Diags
			continue
		}
		n := 0
		s.sourceDiags[i] = manifest.ReadFileEach(src.file, true, func(objs []*manifest.Object) {
			for _, o := range objs {
				if o.IsCRD() {
					known = known.With([]*manifest.Object{o}) // schema: collect CRDs
				}
				p := placed{obj: o, src: i, n: n}
				n++
				if _, ok := known.Lookup(o.APIVersion, o.Kind); ok {
					batch = append(batch, p)
				} else {
					later = append(later, p)
				}
			}
			if len(batch) >= batchSize && err == nil {
				err = s.check(ctx, known, opts, po, sources, batch)
				batch = batch[:0]
			}
		})
		if err != nil {
			return nil, err
		}
	}
	if err := s.check(ctx, known, opts, po, sources, batch); err != nil {
		return nil, err
	}

	// The .nix files' objects, and those that waited, with every CRD.
	full := known // with every CRD, as they were read
	var last []placed
	var keyedDiags diag.List
	for i, src := range sources {
		keyed, d := manifest.ResolveKeyed(src.Keyed, full.PluralKind) // manifest+schema: resolve keyed
		full = full.With(keyed)
		keyedDiags = append(keyedDiags, d...)
		for n, o := range append(slices.Clip(src.Objects), keyed...) {
			last = append(last, placed{obj: o, src: i, n: n})
		}
	}
	if err := s.check(ctx, full, opts, po, sources, append(last, later...)); err != nil {
		return nil, err
	}

	diags := slices.Clone(crds.Problems)
	for _, l := range s.sourceDiags {
		diags = append(diags, l...)
	}
	diags = append(diags, keyedDiags...)
	diags = append(diags, s.duplicates()...)
	diags = append(diags, s.stale()...)
	diags = append(diags, s.found...)
	diag.SortByPosition(diags)
	return &CheckResult{Objects: len(s.seen), Diagnostics: diags}, nil
}

// placed is an object and where it was in the sources: the n-th object
// of sources[src].
type placed struct {
	obj    *manifest.Object
	src, n int
}

// stream is what checkStream keeps of the objects it has checked.
type stream struct {
	sourceDiags []diag.List // found reading each source
	seen        []checked   // every object checked
	found       diag.List   // their problems
	pins        int         // how many times images were pinned
	staleSeen   map[string]int
	staleLast   diag.List
	names       map[string]string // one copy of each apiVersion, kind and namespace
}

// checked is what is kept of an object once it is checked: what finds
// and reports it defined twice (see manifest.CheckDuplicates).
type checked struct {
	apiVersion, kind, namespace, name string
	where                             diag.Pos
	path                              manifest.Path
	fromNix                           bool
	src, n                            int
}

func (c *checked) object() *manifest.Object {
	return &manifest.Object{APIVersion: c.apiVersion, Kind: c.kind, Namespace: c.namespace, Name: c.name,
		Origin: manifest.Origin{Pos: c.where, Path: c.path, FromNix: c.fromNix}}
}

func (c *checked) key() manifest.Key {
	group, _, ok := strings.Cut(c.apiVersion, "/")
	if !ok {
		group = ""
	}
	return manifest.Key{Group: group, Kind: c.kind, Namespace: c.namespace, Name: c.name}
}

func (s *stream) intern(v string) string {
	if w, ok := s.names[v]; ok {
		return w
	}
	if s.names == nil {
		s.names = map[string]string{}
	}
	s.names[v] = v
	return v
}

// check takes a batch of objects through the steps that look at one object
// at a time (Check's), and keeps their problems.
func (s *stream) check(ctx context.Context, set *schema.Set, opts Options, po image.PinOptions, sources []*Source, batch []placed) error {
	if len(batch) == 0 {
		return nil
	}
	c := &checking{}
	for _, p := range batch {
		c.add(sources[p.src], []*manifest.Object{p.obj})
	}
	pinned, err := c.check(ctx, set, opts, po)
	if err != nil {
		return err
	}
	s.pins++
	if s.staleSeen == nil {
		s.staleSeen = map[string]int{}
	}
	for _, d := range pinned.Stale {
		s.staleSeen[d.Message]++
	}
	s.staleLast = pinned.Stale
	for i, p := range batch {
		o := p.obj
		s.seen = append(s.seen, checked{apiVersion: s.intern(o.APIVersion), kind: s.intern(o.Kind), namespace: s.intern(o.Namespace), name: o.Name,
			where: o.Origin.Where(), path: o.Origin.Path, fromNix: o.Origin.FromNix, src: p.src, n: p.n})
		s.found = append(s.found, c.per[i]...)
	}
	return nil
}

// duplicates are the objects defined twice, the first of each pair as the
// sources order them.
func (s *stream) duplicates() diag.List {
	slices.SortStableFunc(s.seen, func(a, b checked) int {
		if a.src != b.src {
			return a.src - b.src
		}
		return a.n - b.n
	})
	first := make(map[manifest.Key]int, len(s.seen))
	var l diag.List
	for i := range s.seen {
		k := s.seen[i].key()
		j, dup := first[k]
		if !dup {
			first[k] = i
			continue
		}
		l = append(l, manifest.CheckDuplicates([]*manifest.Object{s.seen[j].object(), s.seen[i].object()})...)
	}
	return l
}

// stale are the lock entries that no batch of objects used.
func (s *stream) stale() diag.List {
	var out diag.List
	for _, d := range s.staleLast {
		if s.staleSeen[d.Message] == s.pins {
			out = append(out, d)
		}
	}
	return out
}
