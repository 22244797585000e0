package pipeline

import (
	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema/native"
	"github.com/kubenix/kubenix/secrets"
)

// checking is the value Check's steps pass along: every object, the
// problems found on each (per[i] belongs to objs[i]), the source each came
// from, and the problems of no object.
type checking struct {
	objs  []*manifest.Object
	per   []diag.List
	from  []*Source
	diags diag.List
}

func (c *checking) add(src *Source, lists ...[]*manifest.Object) {
	for _, objs := range lists {
		for _, o := range objs {
			c.objs = append(c.objs, o)
			c.per = append(c.per, nil)
			c.from = append(c.from, src)
		}
	}
}

// perObject adds what a step found on each object.
func (c *checking) perObject(found []diag.List) {
	for i, l := range found {
		c.per[i] = append(c.per[i], l...)
	}
}

// evalOf is how the .nix file objs[i] came from was evaluated, for eval.Locate.
func (c *checking) evalOf(i int) *eval.Options { return c.from[i].Eval }

// merged joins what the schemas and the API server's own rules for
// built-in kinds found on each object (see native.Merge).
func merged(schemaFound []diag.List, nativeFound []*native.Verdict) []diag.List {
	out := make([]diag.List, len(schemaFound))
	for i := range schemaFound {
		out[i] = native.Merge(schemaFound[i], nativeFound[i])
	}
	return out
}

// scrub keeps secret values out of the problems of each object.
func (c *checking) scrub(opts secrets.Options) {
	for i, l := range c.per {
		c.per[i] = secrets.Scrub(c.objs[i], l, opts)
	}
}

// all is every diagnostic, in the order of the positions they name.
func (c *checking) all() diag.List {
	l := c.diags
	for _, p := range c.per {
		l = append(l, p...)
	}
	diag.SortByPosition(l)
	return l
}

func readProblems(objs []*manifest.Object) []diag.List {
	out := make([]diag.List, len(objs))
	for i, o := range objs {
		out[i] = o.ReadProblems()
	}
	return out
}

func byObject(objs []*manifest.Object, m map[*manifest.Object]diag.List) []diag.List {
	out := make([]diag.List, len(objs))
	for i, o := range objs {
		out[i] = m[o]
	}
	return out
}
