package manifest

import "math"

// FloatKey tags a float that Nix wrote exactly. Nix 2.8 prints floats with 6
// significant digits (12.3456789 -> 12.3457), so kubenix's Nix code
// (eval/nix/lib/json.nix) writes each float as {"__kubenixFloat": [m, e]},
// the float m * 2^e, m an integer of at most 53 bits.
const FloatKey = "__kubenixFloat"

// exactFloat returns the float a tagged object stands for.
func exactFloat(m map[string]any) (float64, bool) {
	if len(m) != 1 {
		return 0, false
	}
	l, ok := m[FloatKey].([]any)
	if !ok || len(l) != 2 {
		return 0, false
	}
	mant, ok1 := integer(l[0])
	exp, ok2 := integer(l[1])
	if !ok1 || !ok2 || mant > 1<<53 || mant < -(1<<53) || exp > 1100 || exp < -1200 {
		return 0, false
	}
	return math.Ldexp(float64(mant), int(exp)), true
}

func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) <= 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

// fromNixFloat is the number an object's tagged float becomes: an integer
// when it has no fractional part (as Nix's own JSON writes 3.0: 3),
// otherwise the float itself.
func fromNixFloat(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
		return int64(f)
	}
	return f
}

// ExactFloats replaces, in a value decoded by encoding/json (numbers as
// float64), every tagged float by its float64: Helm values, which Helm
// holds as float64 whatever their form.
func ExactFloats(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if f, ok := exactFloat(t); ok {
			return f
		}
		for k, e := range t {
			t[k] = ExactFloats(e)
		}
	case []any:
		for i, e := range t {
			t[i] = ExactFloats(e)
		}
	}
	return v
}
