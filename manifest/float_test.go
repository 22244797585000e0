package manifest

import (
	"encoding/json"
	"testing"
)

func TestDecodeExactFloats(t *testing.T) {
	v, err := DecodeJSON([]byte(`{"a":{"__kubenixFloat":[6949999361709474,-49]},"b":{"__kubenixFloat":[6755399441055744,-51]},` +
		`"c":{"__kubenixFloat":[1,2],"other":1},"d":{"__kubenixFloat":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["a"] != 12.3456789 || m["b"] != int64(3) {
		t.Errorf("a = %#v, b = %#v", m["a"], m["b"])
	}
	if _, ok := m["c"].(map[string]any); !ok {
		t.Errorf("an object with more keys is an object: %#v", m["c"])
	}
	if _, ok := m["d"].(map[string]any); !ok {
		t.Errorf("a malformed tag is an object: %#v", m["d"])
	}

	// Helm values, as encoding/json decodes a request: numbers are float64.
	var vals map[string]any
	json.Unmarshal([]byte(`{"x":[{"__kubenixFloat":[5302427037204480,-32]}],"y":{"z":{"__kubenixFloat":[6755399441055744,-51]}}}`), &vals)
	ExactFloats(vals)
	if vals["x"].([]any)[0] != 1234567.5 || vals["y"].(map[string]any)["z"] != 3.0 {
		t.Errorf("values %#v", vals)
	}
}
