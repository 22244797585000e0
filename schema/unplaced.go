package schema

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// placeUnplaced gives the errors the schema validator reports without a
// field path (its Field is "<nil>": a format check, "Checked value must be
// of type integer with format int32 in spec.replicas") the path their
// message ends with, and drops them where another error already reports
// that field: an out-of-range int gave an extra `<nil>: Invalid value: ""`
// before the real error. Such an error carries no value ("" in its message):
// it gets the value at its path in obj.
func placeUnplaced(errs field.ErrorList, obj any) field.ErrorList {
	placed := map[string]bool{}
	for _, e := range errs {
		if e.Field != "<nil>" {
			placed[e.Field] = true
		}
	}
	out := errs[:0]
	for _, e := range errs {
		if e.Field == "<nil>" {
			if i := strings.LastIndex(e.Detail, " in "); i >= 0 && !strings.ContainsAny(e.Detail[i+4:], " \t\n") {
				p := e.Detail[i+4:]
				if placed[p] {
					continue
				}
				e.Field, e.Detail = p, e.Detail[:i]
				if v, ok := valueAt(obj, p); ok && e.BadValue == "" {
					e.BadValue = v
				}
			}
		}
		out = append(out, e)
	}
	return out
}

// valueAt is the value at a field path ("spec.ports[0].port") in obj.
func valueAt(obj any, path string) (any, bool) {
	cur := obj
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if name != "" {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[name]; !ok {
				return nil, false
			}
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				return nil, false
			}
			l, isList := cur.([]any)
			i, err := strconv.Atoi(idx)
			if !isList || err != nil || i < 0 || i >= len(l) {
				return nil, false
			}
			cur, rest = l[i], strings.TrimPrefix(after, "[")
		}
	}
	return cur, true
}
