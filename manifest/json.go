package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeJSON decodes one JSON value into the value model of kubenix objects:
// map[string]any, []any, string, int64 (integers), float64 (other numbers),
// bool and nil, as Kubernetes' unstructured data has them. A float Nix
// wrote exactly ({"__kubenixFloat": [m, e]}, see FloatKey) is decoded as
// that number.
//
// It exists because evaluation output is large and decoding it with
// encoding/json (plus a pass to turn json.Number into int64) cost more than
// the Nix evaluation itself; json_test.go holds it to encoding/json's results.
func DecodeJSON(b []byte) (any, error) {
	d := jsonDecoder{b: b}
	d.space()
	v, err := d.value(0)
	if err != nil {
		if je, ok := err.(*JSONError); ok {
			slices.Reverse(je.Path) // collected from the inside out
		}
		return nil, err
	}
	d.space()
	if d.i != len(d.b) {
		return nil, d.errorf("unexpected data after the value")
	}
	return v, nil
}

type jsonDecoder struct {
	b    []byte
	i    int
	keys map[string]string // interned object keys: a few dozen names repeat in every object
}

// MaxJSONDepth is how deeply nested a value DecodeJSON reads may be.
const MaxJSONDepth = 10000

// JSONProblem is why DecodeJSON stopped.
type JSONProblem int

const (
	JSONSyntax    JSONProblem = iota // not JSON
	JSONTooDeep                      // nested more than MaxJSONDepth levels
	JSONNonFinite                    // inf or nan, which Nix writes and JSON has not
)

// JSONError is a value DecodeJSON cannot read: why, at which byte, and at
// which value (its keys and indices from the top), so that a caller can
// say where the user wrote it.
type JSONError struct {
	Problem JSONProblem
	Offset  int
	Path    []any // string keys and int indices
	Msg     string
}

func (e *JSONError) Error() string { return fmt.Sprintf("JSON at offset %d: %s", e.Offset, e.Msg) }

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return &JSONError{Offset: d.i, Msg: fmt.Sprintf(format, args...)}
}

// within adds the key or index of the value an error happened in.
func within(err error, seg any) error {
	if je, ok := err.(*JSONError); ok {
		je.Path = append(je.Path, seg)
	}
	return err
}

func (d *jsonDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if depth > MaxJSONDepth {
		return nil, &JSONError{Problem: JSONTooDeep, Offset: d.i, Msg: fmt.Sprintf("nested more than %d levels deep", MaxJSONDepth)}
	}
	if d.i >= len(d.b) {
		return nil, d.errorf("unexpected end")
	}

	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		m := map[string]any{}
		d.space()
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, nil
		}
		for {
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return nil, d.errorf("expected a string key")
			}
			k, err := d.key()
			if err != nil {
				return nil, err
			}
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, d.errorf("expected ':'")
			}
			d.i++
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, within(err, k)
			}
			m[k] = v
			d.space()
			if d.i >= len(d.b) {
				return nil, d.errorf("unexpected end in object")
			}
			if d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.b[d.i] == '}' {
				d.i++
				if f, ok := exactFloat(m); ok {
					return fromNixFloat(f), nil
				}
				return m, nil
			}
			return nil, d.errorf("expected ',' or '}'")
		}
	case c == '[':
		d.i++
		l := []any{}
		d.space()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return l, nil
		}
		for {
			d.space()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, within(err, len(l))
			}
			l = append(l, v)
			d.space()
			if d.i >= len(d.b) {
				return nil, d.errorf("unexpected end in array")
			}
			if d.b[d.i] == ',' {
				d.i++
				continue
			}
			if d.b[d.i] == ']' {
				d.i++
				return l, nil
			}
			return nil, d.errorf("expected ',' or ']'")
		}
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		if err := d.literal("null"); err != nil {
			if nf := d.nonFinite(); nf != nil {
				return nil, nf
			}
			return nil, err
		}
		return nil, nil
	case c == '-' || c >= '0' && c <= '9':
		if c == '-' && d.i+1 < len(d.b) && (d.b[d.i+1] == 'i' || d.b[d.i+1] == 'n') {
			if err := d.nonFinite(); err != nil {
				return nil, err
			}
		}
		return d.number()
	}
	if err := d.nonFinite(); err != nil {
		return nil, err
	}
	return nil, d.errorf("unexpected character %q", d.b[d.i])
}

// nonFinite is the error for a number Nix writes that JSON has not.
func (d *jsonDecoder) nonFinite() error {
	for _, w := range []string{"inf", "-inf", "nan", "-nan"} {
		if bytes.HasPrefix(d.b[d.i:], []byte(w)) {
			return &JSONError{Problem: JSONNonFinite, Offset: d.i,
				Msg: fmt.Sprintf("a float that is not a finite number (%s): JSON, and so Kubernetes, has no such number", w)}
		}
	}
	return nil
}

func (d *jsonDecoder) literal(word string) error {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return d.errorf("invalid literal")
	}
	d.i += len(word)
	return nil
}

func (d *jsonDecoder) number() (any, error) {
	start := d.i
	isFloat := false
	if d.b[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if n := digits(); n == 0 || n > 1 && d.b[d.i-n] == '0' {
		return nil, d.errorf("invalid number")
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		isFloat = true
		d.i++
		if digits() == 0 {
			return nil, d.errorf("invalid number")
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		isFloat = true
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, d.errorf("invalid number")
		}
	}
	s := string(d.b[start:d.i])
	if !isFloat {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, d.errorf("number %s: %v", s, errors.Unwrap(err))
	}
	return f, nil
}

// key reads an object key, reusing the string of an earlier identical key.
func (d *jsonDecoder) key() (string, error) {
	start := d.i + 1
	for j := start; j < len(d.b) && j-start < 64; j++ {
		c := d.b[j]
		if c == '"' {
			if k, ok := d.keys[string(d.b[start:j])]; ok {
				d.i = j + 1
				return k, nil
			}
			break
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	k, err := d.str()
	if err == nil && len(k) < 64 {
		if d.keys == nil {
			d.keys = map[string]string{}
		}
		d.keys[k] = k
	}
	return k, err
}

func (d *jsonDecoder) str() (string, error) {
	d.i++ // opening quote
	start := d.i
	// Fast path: no escapes, valid UTF-8.
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == '"' {
			s := d.b[start:d.i]
			d.i++
			if utf8.Valid(s) {
				return string(s), nil
			}
			return string([]rune(string(s))), nil // invalid bytes become U+FFFD, as encoding/json does
		}
		if c == '\\' || c < 0x20 {
			break
		}
		d.i++
	}
	buf := make([]byte, 0, d.i-start+16)
	buf = append(buf, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(buf) {
				return string([]rune(string(buf))), nil
			}
			return string(buf), nil
		case c < 0x20:
			return "", d.errorf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.b) {
			break
		}
		e := d.b[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					var ok2 bool
					if r2, ok2 = d.hex4(); !ok2 {
						return "", d.errorf("invalid \\u escape")
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						buf = utf8.AppendRune(buf, dec)
						continue
					}
					d.i = save
				}
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.errorf("invalid escape \\%c", e)
		}
	}
	return "", d.errorf("unterminated string")
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}
