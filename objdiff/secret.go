package objdiff

import "reflect"

// Placeholders for the values of a Secret's data and stringData: a diff
// shows which keys were added, removed or changed, never a value.
const (
	hiddenValue  = "(hidden)"
	hiddenBefore = "(hidden, before)"
	hiddenAfter  = "(hidden, after)"
)

// secretFields hold the values maskSecrets hides.
var secretFields = []string{"data", "stringData"}

// isSecret reports whether body is a core Secret.
func isSecret(body map[string]any) bool {
	return body != nil && body["apiVersion"] == "v1" && body["kind"] == "Secret"
}

// maskSecrets returns copies of the bodies of a Secret (either may be nil)
// whose data and stringData values are placeholders: the same value on both
// sides gives the same placeholder, a changed one two different ones. Other
// objects are returned as they are. The bodies given are not modified.
func maskSecrets(old, new map[string]any) (map[string]any, map[string]any) {
	if !isSecret(old) && !isSecret(new) {
		return old, new
	}
	mo, mn := shallowCopy(old), shallowCopy(new)
	for _, field := range secretFields {
		od, _ := mo[field].(map[string]any)
		nd, _ := mn[field].(map[string]any)
		var mod, mnd map[string]any
		if od != nil {
			mod = make(map[string]any, len(od))
		}
		if nd != nil {
			mnd = make(map[string]any, len(nd))
		}
		for k, v := range od {
			mod[k] = hiddenValue
			if nv, ok := nd[k]; ok && !sameValue(v, nv) {
				mod[k] = hiddenBefore
			}
		}
		for k, v := range nd {
			mnd[k] = hiddenValue
			if ov, ok := od[k]; ok && !sameValue(ov, v) {
				mnd[k] = hiddenAfter
			}
		}
		if mod != nil {
			mo[field] = mod
		}
		if mnd != nil {
			mn[field] = mnd
		}
	}
	if old == nil {
		mo = nil
	}
	if new == nil {
		mn = nil
	}
	return mo, mn
}

func shallowCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sameValue compares two data values: strings in valid Secrets, anything
// in invalid ones.
func sameValue(a, b any) bool {
	return reflect.DeepEqual(a, b)
}
