package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	yamlv2 "go.yaml.in/yaml/v2"
)

// readPlain reads a stream whose documents need none of eachDocument's
// diagnostics, in one pass: what kubectl does to each document
// (sigs.k8s.io/yaml's YAMLToJSON: go-yaml v2, then JSON), strictly, so
// that a key written twice fails here. It gives up (false) on anything
// the full reader must place or decide: a document that does not parse, a
// key written twice, a key that is not a string (`1:` and `"1":` would be
// one JSON key), a document that is not a mapping. A chart's crds/ (megabytes of YAML on every cold render)
// are read three times faster than through the node tree.
func readPlain(data []byte) ([]any, bool) {
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
		v, ok := stringKeys(v)
		if !ok {
			return nil, false
		}
		j, err := json.Marshal(v)
		if err != nil {
			return nil, false
		}
		value, err := DecodeJSON(j)
		if err != nil {
			return nil, false
		}
		docs = append(docs, value)
	}
}

// stringKeys is go-yaml v2's value with its mappings as JSON objects, as
// sigs.k8s.io/yaml converts them, when every key is a string.
func stringKeys(v any) (any, bool) {
	switch t := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			ks, ok := k.(string)
			if !ok {
				return nil, false
			}
			if m[ks], ok = stringKeys(e); !ok {
				return nil, false
			}
		}
		return m, true
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			var ok bool
			if l[i], ok = stringKeys(e); !ok {
				return nil, false
			}
		}
		return l, true
	}
	return v, true
}
