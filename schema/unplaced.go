package schema

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// placeUnplaced gives the errors the schema validator reports without a
// field path (its Field is "<nil>": a format check, "Checked value must be
// of type integer with format int32 in spec.replicas") the path their
// message ends with, and drops them where another error already reports
// that field: an out-of-range int gave an extra `<nil>: Invalid value: ""`
// before the real error.
func placeUnplaced(errs field.ErrorList) field.ErrorList {
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
			}
		}
		out = append(out, e)
	}
	return out
}
