package eval

import (
	"context"
	"testing"
)

// Floats reach kubenix exactly, though Nix 2.8 prints them with 6
// significant digits; a float with no fractional part is an integer, as
// Nix's own JSON writes it.
func TestEvaluateCarriesFloatsExactly(t *testing.T) {
	nixOrSkip(t)
	res, err := Evaluate(context.Background(), opts(t, "floats.nix"))
	if err != nil {
		t.Fatal(err)
	}
	spec := res.Value.(map[string]any)["hpa"].(map[string]any)["spec"].(map[string]any)
	want := []any{12.3456789, 1234567.5, -0.1, int64(3), int64(0), 1e-300, 1.7976931348623157e308, 1e-320, 0.30000000000000004, 123456789012.25}
	got := spec["values"].([]any)
	if len(got) != len(want) {
		t.Fatalf("values %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("values[%d] = %#v, want %#v", i, got[i], want[i])
		}
	}
	if spec["ratio"] != 2.5 || spec["count"] != int64(7) {
		t.Errorf("ratio %#v, count %#v", spec["ratio"], spec["count"])
	}
}
