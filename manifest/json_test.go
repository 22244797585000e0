package manifest

import (
	"bytes"
	"encoding/json"
	"reflect"
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
