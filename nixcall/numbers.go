package nixcall

import (
	"encoding/json"
	"math"
	"strconv"
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
