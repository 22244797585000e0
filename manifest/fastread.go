package manifest

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
)

// readPlain reads a stream whose documents need none of eachDocument's
// diagnostics, in one pass: what kubectl does to each document
// (sigs.k8s.io/yaml's YAMLToJSON: go-yaml v2, then JSON), strictly, so
// that a key written twice fails here. It gives up (false) on anything
// the full reader must place or decide: a document that does not parse, a
// key written twice, a key that is not a string (`1:` and `"1":` would be
// one JSON key), a document that is not a mapping. A chart's crds/
// (megabytes of YAML on every cold render) are read four times faster
// than through the node tree, and the block-style YAML such files are
// generated in faster still (readBlockYAML).
func readPlain(data []byte) ([]any, bool) {
	if docs, ok := readBlockYAML(data); ok {
		return docs, true
	}
	return readPlainYAML(data)
}

// readPlainYAML is readPlain through go-yaml.
func readPlainYAML(data []byte) ([]any, bool) {
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	dec.SetStrict(true)
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return docs, true
		}
		if err != nil {
			return nil, false
		}
		if v == nil {
			continue // an empty document, or null: eachDocument skips it too
		}
		if _, ok := v.(map[any]any); !ok {
			return nil, false // a scalar or a list: not what the fast path is for
		}
		value, ok := jsonValue(v)
		if !ok {
			return nil, false
		}
		docs = append(docs, value)
	}
}

// jsonValue is go-yaml v2's value as sigs.k8s.io/yaml turns it into
// JSON and DecodeJSON reads that back, without the text in between:
// mappings with string keys become objects, integers int64, a float that
// encoding/json would print without a fraction or exponent an int64 too.
// It gives up on what it would have to convert in some other way: a key
// that is not a string, a number JSON cannot hold, a string that is not
// UTF-8 (encoding/json would replace bytes), a FloatKey object.
func jsonValue(v any) (any, bool) {
	switch t := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			ks, ok := k.(string)
			if !ok || ks == FloatKey || !utf8.ValidString(ks) {
				return nil, false
			}
			if m[ks], ok = jsonValue(e); !ok {
				return nil, false
			}
		}
		return m, true
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			var ok bool
			if l[i], ok = jsonValue(e); !ok {
				return nil, false
			}
		}
		return l, true
	case string:
		return t, utf8.ValidString(t)
	case bool, nil:
		return t, true
	case int:
		return int64(t), true
	case int64:
		return t, true
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t), true
		}
		return float64(t), true
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return nil, false
		}
		// encoding/json prints a whole float below 1e21 as its shortest
		// digits padded with zeros (2^60 as 1152921504606847000), which
		// DecodeJSON reads as an integer when one fits.
		if t == math.Trunc(t) && math.Abs(t) < 1e21 {
			if n, err := strconv.ParseInt(strconv.FormatFloat(t, 'f', -1, 64), 10, 64); err == nil {
				return n, true
			}
		}
		return t, true
	}
	return nil, false
}
