package manifest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

func TestEncodeYAMLCanonical(t *testing.T) {
	body := map[string]any{
		"spec": map[string]any{
			"replicas": int64(2),
			"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"image": "nginx", "name": "web", "args": []any{}, "env": []any{map[string]any{"value": "x", "name": "A"}}},
			}}},
		},
		"metadata":   map[string]any{"labels": map[string]any{"z": "1", "name": "n", "a": "yes"}, "namespace": "ns", "name": "web", "annotations": map[string]any{}},
		"kind":       "Deployment",
		"apiVersion": "apps/v1",
		"data":       map[string]any{"script": "#!/bin/sh\necho hi\n", "ratio": 0.5, "whole": 2.0, "off": nil, "flag": true},
	}
	got, err := EncodeYAML(body)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ns
  labels:
    a: "yes"
    name: "n"
    z: "1"
  annotations: {}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: nginx
        args: []
        env:
        - name: A
          value: x
data:
  flag: true
  "off": null
  ratio: 0.5
  script: |
    #!/bin/sh
    echo hi
  whole: 2.0
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	again, _ := EncodeYAML(body)
	if string(again) != string(got) {
		t.Error("encoding is not deterministic")
	}
}

// Every string must come back as the same string from the YAML readers
// kubectl and other tools use, YAML 1.1 (yaml.v2) and 1.2 (yaml.v3) alike.
var trickyStrings = []string{
	"y", "Y", "yes", "Yes", "n", "N", "no", "NO", "on", "On", "off", "OFF", "true", "False",
	"~", "null", "Null", "", " ", "0755", "0o755", "0x1F", "0b101", "1e3", "1E3", "-1e-3", "1_000", "+12",
	"1:20", "-1:20:30", "190:20:30.15", ".5", "5.", "1.2.3", ".inf", "-.Inf", ".NaN", "nan", "inf", "Infinity",
	"12345678901234567890123", "0", "-0", "00", "<<", "=", "- a", "a: b", "#x", "x #y", "@at", "`tick", "%p",
	"!tag", "&anchor", "*alias", "[a]", "{a}", "'q'", `"dq"`, "tab\there", "trailing ", "ünïcödé", "line\nbreak",
	"two\n\nbreaks\n", "ends with newline\n", "  leading", "\x01control", "a\u2028b", "?", "-", "---", "...",
	"1.0", "3.14", "6.8523015e+5", "685.230_15e+03", "0x_0A_74_AE", "02472256", "+685_230", "-685230",
}

func TestEncodeYAMLStringsRoundTrip(t *testing.T) {
	for _, s := range trickyStrings {
		body := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"},
			"data": map[string]any{"v": s, s: "as key"}}
		out, err := EncodeYAML(body)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		checkRoundTrip(t, s, out, body)
	}
}

func checkRoundTrip(t *testing.T, s string, out []byte, body map[string]any) {
	t.Helper()
	// sigs.k8s.io/yaml is what kubectl reads manifests with.
	var viaSigs map[string]any
	if err := sigsyaml.Unmarshal(out, &viaSigs); err != nil {
		t.Errorf("%q: sigs.k8s.io/yaml cannot read:\n%s\n%v", s, out, err)
		return
	}
	data, _ := viaSigs["data"].(map[string]any)
	if data["v"] != s || data[s] != "as key" {
		t.Errorf("%q: sigs.k8s.io/yaml reads back %#v from:\n%s", s, data, out)
	}
	var v2 map[string]any
	if err := yamlv2.Unmarshal(out, &v2); err != nil {
		t.Errorf("%q: yaml.v2 cannot read: %v", s, err)
		return
	}
	d2 := v2["data"].(map[any]any)
	if d2["v"] != s || d2[s] != "as key" {
		t.Errorf("%q: yaml.v2 (YAML 1.1) reads back %#v from:\n%s", s, d2, out)
	}
	var v3 map[string]any
	if err := kyaml.Unmarshal(out, &v3); err != nil {
		t.Errorf("%q: yaml.v3 cannot read: %v", s, err)
		return
	}
	if !reflect.DeepEqual(v3["data"], map[string]any{"v": s, s: "as key"}) && s != "v" {
		t.Errorf("%q: yaml.v3 reads back %#v", s, v3["data"])
	}
}

func FuzzEncodeYAMLString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "v" || !validUTF8NoControl(s) {
			t.Skip()
		}
		body := map[string]any{"data": map[string]any{"v": s, s: "as key"}}
		out, err := EncodeYAML(body)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		checkRoundTrip(t, s, out, body)
	})
}

// validUTF8NoControl excludes what JSON from Nix cannot hold and YAML
// readers legitimately normalise (invalid UTF-8, most C0 controls, BOM, NEL
// and friends are escaped by the encoder but read back differently by yaml.v2).
func validUTF8NoControl(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == 0xFFFD || r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0xFEFF || r == '\r' {
			return false
		}
	}
	return true
}

// treeFromBytes builds a JSON-like value from fuzz input: a tiny bytecode
// choosing maps, lists and scalars, with strings cut from the input itself.
func treeFromBytes(b []byte, depth int) (any, []byte) {
	if len(b) == 0 {
		return "x", b
	}
	op, b := b[0], b[1:]
	str := func() string {
		if len(b) == 0 {
			return ""
		}
		n := int(b[0]) % 12
		b = b[1:]
		n = min(n, len(b))
		s := strings.ToValidUTF8(string(b[:n]), "?")
		b = b[n:]
		return s
	}
	switch {
	case op%7 == 0 && depth < 6:
		m := map[string]any{}
		for i := 0; i < int(op/7)%4+1 && len(b) > 0; i++ {
			k := str()
			var v any
			v, b = treeFromBytes(b, depth+1)
			m[k] = v
		}
		return m, b
	case op%7 == 1 && depth < 6:
		var l []any
		for i := 0; i < int(op/7)%4 && len(b) > 0; i++ {
			var v any
			v, b = treeFromBytes(b, depth+1)
			l = append(l, v)
		}
		if l == nil {
			l = []any{}
		}
		return l, b
	case op%7 == 2:
		return int64(op) - 100, b
	case op%7 == 3:
		return float64(op) / 8, b
	case op%7 == 4:
		return op%2 == 0, b
	case op%7 == 5:
		return nil, b
	}
	s := str()
	if op%3 == 0 {
		s += "\n" + str() + "\n"
	}
	return s, b
}

func jsonOf(v any) string {
	b, err := json.Marshal(normalise(v))
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// normalise turns yaml.v2's map[any]any into map[string]any.
func normalise(v any) any {
	switch t := v.(type) {
	case map[any]any:
		m := map[string]any{}
		for k, e := range t {
			m[fmt.Sprint(k)] = normalise(e)
		}
		return m
	case map[string]any:
		m := map[string]any{}
		for k, e := range t {
			m[k] = normalise(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = normalise(e)
		}
		return l
	case int:
		return float64(t)
	case int64:
		return float64(t)
	}
	return v
}

// Whatever the tree, kubectl's reader (sigs.k8s.io/yaml), yaml.v2 and
// yaml.v3 (kyaml) read back exactly the value that was written.
func FuzzEncodeYAMLTree(f *testing.F) {
	f.Add([]byte("\x07\x03key\x00\x05value"))
	f.Add([]byte("\x0e\x02a:\x01\x02\x03\x04\x05\x06"))
	f.Add([]byte("\x15\x01\x00\x08\x0c\x04on\n \x02\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tree, _ := treeFromBytes(b, 0)
		body, ok := tree.(map[string]any)
		if !ok {
			body = map[string]any{"v": tree}
		}
		out, err := EncodeYAML(body)
		if err != nil {
			t.Fatal(err)
		}
		want := jsonOf(body)
		var viaSigs any
		if err := sigsyaml.Unmarshal(out, &viaSigs); err != nil || jsonOf(viaSigs) != want {
			t.Fatalf("sigs.k8s.io/yaml: %v\nwrote:\n%s\nread %s\nwant %s", err, out, jsonOf(viaSigs), want)
		}
		var v2 any
		if err := yamlv2.Unmarshal(out, &v2); err != nil || jsonOf(v2) != want {
			t.Fatalf("yaml.v2: %v\nwrote:\n%s\nread %s\nwant %s", err, out, jsonOf(v2), want)
		}
		var v3 any
		if err := kyaml.Unmarshal(out, &v3); err != nil || jsonOf(v3) != want {
			t.Fatalf("yaml.v3: %v\nwrote:\n%s\nread %s\nwant %s", err, out, jsonOf(v3), want)
		}
	})
}
