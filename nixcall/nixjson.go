package nixcall

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kubenix/kubenix/manifest"
)

// nixJSON is the JSON of a reply's value, written so that Nix's fromJSON
// reads back the same numbers. encoding/json writes a whole float64
// without a point or an exponent (1.2345678901234567e19, what YAML's
// 12345678901234567890 is once read as kubectl reads it, as
// 12345678901234567000), which Nix reads as an integer and wraps past
// 64 bits (to -6101065172474984616). Such a float is written with an
// exponent, which Nix reads as a float of the same value.
func nixJSON(v any) ([]byte, error) {
	return json.Marshal(nixNumbers(v))
}

// nixNumbers replaces, in place, each whole float64 outside int64's range
// by its JSON with an exponent.
func nixNumbers(v any) any {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) && !math.IsInf(t, 0) && (t >= 1<<63 || t < -(1<<63)) {
			return json.Number(strconv.FormatFloat(t, 'e', -1, 64))
		}
	case map[string]any:
		for k, e := range t {
			t[k] = nixNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = nixNumbers(e)
		}
	}
	return v
}

// nulField is the path (data.k, spec.args[2]) of the first string under v,
// in sorted key order, that has a NUL character: the one character a Nix
// string cannot hold (Nix cuts the string there, silently).
func nulField(v any, path string) (string, bool) {
	switch t := v.(type) {
	case string:
		return path, strings.ContainsRune(t, 0)
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if strings.ContainsRune(k, 0) {
				return p, true
			}
			if p, ok := nulField(t[k], p); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range t {
			if p, ok := nulField(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// nulMessage says why a value with a NUL character is refused.
const nulMessage = "has a NUL character, which a Nix string cannot hold (Nix would cut the string there)"

// objectID is how messages name a rendered object: Kind/namespace/name.
func objectID(m map[string]any) string {
	meta, _ := m["metadata"].(map[string]any)
	o := manifest.Object{}
	o.Kind, _ = m["kind"].(string)
	o.Namespace, _ = meta["namespace"].(string)
	o.Name, _ = meta["name"].(string)
	return o.ID()
}
