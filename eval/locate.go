package eval

import (
	"context"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// Locate gives each field diagnostic the position where the user wrote
// that field: from the manifest's own index for YAML and JSON files, and
// from one more evaluation (only of the paths asked for) for .nix files.
// Where the field itself is not written (a required field is missing), the
// nearest enclosing field that is written is used. A diagnostic of an object
// a chart rendered names the kubenix.helm.chart call too. per[i] are the
// problems of objs[i]; evalOf(i) is how the .nix file of objs[i] was
// evaluated (nil when there is none to ask).
func Locate(ctx context.Context, objs []*manifest.Object, per []diag.List, evalOf func(i int) *Options) error {
	type query struct {
		obj, diag int
	}
	queries := map[*Options][]query{}
	paths := map[*Options][][]any{}
	for i, l := range per {
		o := objs[i]
		for j := range l {
			d := &l[j]
			if len(d.Related) == 0 {
				d.Related = o.Origin.Also() // a rendered object: the chart call too
			}
			if d.Field == "" || d.Pos != o.Origin.Where() {
				continue // no field, or already placed more precisely
			}
			segs := userSegments(o, manifest.ParseFieldPath(d.Field))
			switch {
			case o.Origin.Fields != nil:
				if p, ok := deepest(o.Origin.Fields, segs); ok {
					d.Pos = p
				}
			case o.Origin.Chart != "":
				// Rendered by a chart: the template is the place to look.
			case o.Origin.FromNix && evalOf(i) != nil:
				opts := evalOf(i)
				queries[opts] = append(queries[opts], query{i, j})
				paths[opts] = append(paths[opts], append(append([]any(nil), o.Origin.Path...), segs...))
			}
		}
	}
	for opts, qs := range queries {
		pos, err := Positions(ctx, *opts, paths[opts])
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // positions are a nicety; the object's own position stays
		}
		for k, q := range qs {
			if !pos[k].IsZero() {
				per[q.obj][q.diag].Pos = pos[k]
			}
		}
	}
	return nil
}

// userSegments maps a field path of the normalized object back to what the
// user wrote: list indices of keyed lists become the attribute names.
func userSegments(o *manifest.Object, segs []any) []any {
	if len(o.Keyed) == 0 {
		return segs
	}
	out := make([]any, len(segs))
	copy(out, segs)
	for i, s := range segs {
		idx, ok := s.(int)
		if !ok {
			continue
		}
		if names, ok := o.Keyed[manifest.FieldPath(segs[:i])]; ok && idx < len(names) {
			out[i] = names[idx]
		}
	}
	return out
}

// deepest finds the position of the longest prefix of segs that was written.
func deepest(fields map[string]diag.Pos, segs []any) (diag.Pos, bool) {
	for n := len(segs); n > 0; n-- {
		if p, ok := fields[manifest.FieldKey(segs[:n])]; ok {
			return p, true
		}
	}
	return diag.Pos{}, false
}
