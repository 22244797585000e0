package objdiff

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
)

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
	maskFields(mo, mn)
	maskAnnotations(mo, mn, secretValues(old, new))
	if old == nil {
		mo = nil
	}
	if new == nil {
		mn = nil
	}
	return mo, mn
}

// maskFields replaces the values of data and stringData of two (copied)
// bodies by placeholders.
func maskFields(mo, mn map[string]any) {
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
}

// maskAnnotations hides what the annotations of two (copied) Secret bodies
// reveal of its values: kubectl's last-applied-configuration holds the
// whole Secret as JSON, whose data and stringData are masked like the
// object's own; any other annotation that holds one of the values (as
// written or base64-decoded) is hidden whole.
func maskAnnotations(mo, mn map[string]any, values []string) {
	oa, na := annotations(mo), annotations(mn)
	for k, v := range oa {
		nv, ok := na[k]
		if !ok {
			nv = nil
		}
		oa[k], na[k] = maskAnnotation(v, nv, values)
		if !ok {
			delete(na, k)
		}
	}
	for k, v := range na {
		if _, ok := oa[k]; !ok {
			_, na[k] = maskAnnotation(nil, v, values)
		}
	}
}

// annotations copies metadata.annotations of a (copied) body in place and
// returns the copy, or nil.
func annotations(body map[string]any) map[string]any {
	md, _ := body["metadata"].(map[string]any)
	an, _ := md["annotations"].(map[string]any)
	if an == nil {
		return nil
	}
	md = shallowCopy(md)
	an = shallowCopy(an)
	md["annotations"] = an
	body["metadata"] = md
	return an
}

func maskAnnotation(old, new any, values []string) (any, any) {
	oj, ook := annotationObject(old)
	nj, nok := annotationObject(new)
	if (ook || old == nil) && (nok || new == nil) && (ook || nok) {
		mo, mn := shallowCopy(oj), shallowCopy(nj)
		maskFields(mo, mn)
		maskAnnotations(mo, mn, values)
		ob, _ := json.Marshal(mo)
		nb, _ := json.Marshal(mn)
		if !holdsAny(string(ob), values) && !holdsAny(string(nb), values) {
			var o, n any
			if old != nil {
				o = string(ob)
			}
			if new != nil {
				n = string(nb)
			}
			return o, n
		}
	}
	olds, _ := old.(string)
	news, _ := new.(string)
	if !holdsAny(olds, values) && !holdsAny(news, values) {
		return old, new
	}
	switch {
	case old == nil:
		return nil, hiddenValue
	case new == nil:
		return hiddenValue, nil
	case sameValue(old, new):
		return hiddenValue, hiddenValue
	}
	return hiddenBefore, hiddenAfter
}

// annotationObject parses an annotation holding a JSON object.
func annotationObject(v any) (map[string]any, bool) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil, false
	}
	return m, true
}

// secretValues are the values of data and stringData of the bodies, as
// written and (data) base64-decoded.
func secretValues(bodies ...map[string]any) []string {
	var out []string
	for _, b := range bodies {
		for _, field := range secretFields {
			m, _ := b[field].(map[string]any)
			for _, v := range m {
				s, ok := v.(string)
				if !ok || s == "" {
					continue
				}
				out = append(out, s)
				if d, err := base64.StdEncoding.DecodeString(s); err == nil && len(d) > 0 && field == "data" {
					out = append(out, string(d))
				}
			}
		}
	}
	return out
}

func holdsAny(s string, values []string) bool {
	for _, v := range values {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
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
