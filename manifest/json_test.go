package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// stdDecode is the reference: encoding/json with integers as int64.
func stdDecode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.Trim(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, errTrailing
	}
	var rangeErr error
	var conv func(any) any
	conv = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				t[k] = conv(e)
			}
			if f, ok := exactFloat(t); ok { // Nix's exact floats (float.go)
				return fromNixFloat(f)
			}
		case []any:
			for i, e := range t {
				t[i] = conv(e)
			}
		case json.Number:
			if i, err := t.Int64(); err == nil && !bytes.ContainsAny([]byte(t), ".eE") {
				return i
			}
			f, err := t.Float64()
			if err != nil {
				rangeErr = err
			}
			return f
		}
		return v
	}
	v = conv(v)
	return v, rangeErr
}

var errTrailing = json.Unmarshal([]byte("1 2"), new(any))

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,-2,3.5,1e3,-0,true,false,null,"x\u00e9\ud83d\ude00\n\"\\\/"],"b":{}}`,
		`[]`, `""`, `"\ud800"`, `12345678901234567890`, `-9223372036854775808`, ` {"k" : [ ] } `,
		`{"a":1,"a":2}`, `"\xff"`, `01`, `1.`, `[1,]`, `{"__kubenixFloat":[6949999361709474,-49]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, wantErr := stdDecode(b)
		got, err := DecodeJSON(b)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json says %v", b, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", b, got, want)
		}
	})
}

// A value DecodeJSON cannot read says why and at which value, so that the
// caller can point at where the user wrote it.
func TestDecodeJSONErrorPath(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxJSONDepth+5) + "1" + strings.Repeat("}", MaxJSONDepth+5)
	for _, tc := range []struct {
		in      string
		problem JSONProblem
		path    []any
	}{
		{`{"value":{"o":{"spec":{"x":inf}}}}`, JSONNonFinite, []any{"value", "o", "spec", "x"}},
		{`{"l":[1,-inf]}`, JSONNonFinite, []any{"l", 1}},
		{`[nan]`, JSONNonFinite, []any{0}},
		{`{"a":-nan}`, JSONNonFinite, []any{"a"}},
		{`{"a":[1,nul]}`, JSONSyntax, []any{"a", 1}},
		{`{"a":-i}`, JSONSyntax, []any{"a"}},
		{deep, JSONTooDeep, nil},
	} {
		_, err := DecodeJSON([]byte(tc.in))
		je, ok := err.(*JSONError)
		if !ok {
			t.Fatalf("%.40s: %v, want a *JSONError", tc.in, err)
		}
		if je.Problem != tc.problem {
			t.Errorf("%.40s: problem %d, want %d (%v)", tc.in, je.Problem, tc.problem, err)
		}
		if tc.problem == JSONTooDeep {
			if len(je.Path) != MaxJSONDepth+1 || je.Path[0] != "a" {
				t.Errorf("too deep: path of %d segments", len(je.Path))
			}
			continue
		}
		if fmt.Sprint(je.Path) != fmt.Sprint(tc.path) {
			t.Errorf("%s: path %v, want %v", tc.in, je.Path, tc.path)
		}
	}
}
