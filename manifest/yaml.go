package manifest

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// EncodeYAML renders an object body as canonical YAML:
//   - apiVersion, kind and metadata first;
//   - other keys in kyaml's Kubernetes field order (name, namespace, labels,
//     annotations first in metadata; name and image first in a container),
//     then alphabetically; keys of free-form maps (labels, data, selectors,
//     resource quantities, schema properties) alphabetically;
//   - every string a YAML 1.1 or 1.2 reader would take for something else
//     (y, no, on, 0755, 1e3, ~, 1:20, "") double-quoted, as is every string
//     that cannot be written plain;
//   - two-space indentation, lists not indented under their key (as kubectl
//     and kustomize print them), multi-line strings as literal blocks, and
//     no line folding, so a long value stays on one line.
//
// The same value always gives the same bytes. The emitter is kubenix's own:
// it only ever writes the block subset above, and its output is checked
// against the YAML readers kubectl and kyaml use (yaml_test.go).
func EncodeYAML(body map[string]any) ([]byte, error) {
	var e emitter
	if err := e.document(body); err != nil {
		return nil, err
	}
	return e.buf.Bytes(), nil
}

// EncodeYAMLStream renders several objects as one multi-document stream.
func EncodeYAMLStream(bodies []map[string]any) ([]byte, error) {
	var e emitter
	for i, b := range bodies {
		if i > 0 {
			e.buf.WriteString("---\n")
		}
		if err := e.document(b); err != nil {
			return nil, err
		}
	}
	return e.buf.Bytes(), nil
}

// maxImplicitKey keeps keys well inside YAML's 1024-character limit for
// implicit keys (quoting may lengthen them).
const maxImplicitKey = 500

type emitter struct {
	buf bytes.Buffer
}

func (e *emitter) document(body map[string]any) error {
	if len(body) == 0 {
		e.buf.WriteString("{}\n")
		return nil
	}
	return e.mapping(body, "", 0, 0, false)
}

// mapping writes the entries of m at indent. With inline, the first entry
// continues the current line (after "- ").
func (e *emitter) mapping(m map[string]any, parent string, depth, indent int, inline bool) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, keyOrder(parent, depth))
	for i, k := range keys {
		if i > 0 || !inline {
			e.indent(indent)
		}
		if len(k) > maxImplicitKey {
			// YAML limits implicit keys to 1024 characters; longer ones
			// need the explicit form "? key" / ": value".
			e.buf.WriteString("? ")
			e.scalar(k)
			e.buf.WriteByte('\n')
			e.indent(indent)
		} else {
			e.scalar(k)
		}
		e.buf.WriteByte(':')
		if err := e.value(m[k], k, depth+1, indent); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// value writes v after "key:" (block context): scalars on the same line,
// collections on the following lines.
func (e *emitter) value(v any, key string, depth, indent int) error {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			e.buf.WriteString(" {}\n")
			return nil
		}
		e.buf.WriteByte('\n')
		return e.mapping(t, key, depth, indent+2, false)
	case []any:
		if len(t) == 0 {
			e.buf.WriteString(" []\n")
			return nil
		}
		e.buf.WriteByte('\n')
		return e.sequence(t, key, depth, indent)
	case string:
		if strings.Contains(t, "\n") && literalOK(t) {
			e.literal(t, indent+2)
			return nil
		}
	}
	e.buf.WriteByte(' ')
	if err := e.leaf(v); err != nil {
		return err
	}
	e.buf.WriteByte('\n')
	return nil
}

func (e *emitter) sequence(l []any, key string, depth, indent int) error {
	for i, item := range l {
		e.indent(indent)
		e.buf.WriteString("-")
		if err := e.item(item, key, depth+1, indent+2); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return nil
}

// item writes a sequence entry after "-"; its content sits at indent.
func (e *emitter) item(v any, key string, depth, indent int) error {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			e.buf.WriteString(" {}\n")
			return nil
		}
		e.buf.WriteByte(' ')
		return e.mapping(t, key, depth, indent, true)
	case []any:
		if len(t) == 0 {
			e.buf.WriteString(" []\n")
			return nil
		}
		e.buf.WriteByte('\n')
		return e.sequence(t, key, depth, indent)
	case string:
		if strings.Contains(t, "\n") && literalOK(t) {
			e.literal(t, indent)
			return nil
		}
	}
	e.buf.WriteByte(' ')
	if err := e.leaf(v); err != nil {
		return err
	}
	e.buf.WriteByte('\n')
	return nil
}

func (e *emitter) indent(n int) {
	for range n {
		e.buf.WriteByte(' ')
	}
}

func (e *emitter) leaf(v any) error {
	switch t := v.(type) {
	case string:
		e.scalar(t)
	case bool:
		e.buf.WriteString(strconv.FormatBool(t))
	case int64:
		e.buf.WriteString(strconv.FormatInt(t, 10))
	case int:
		e.buf.WriteString(strconv.Itoa(t))
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return fmt.Errorf("cannot write %v: Kubernetes objects are JSON, which has no such number", t)
		}
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		e.buf.WriteString(s)
	case nil:
		e.buf.WriteString("null")
	default:
		return fmt.Errorf("cannot write a %T as YAML", v)
	}
	return nil
}

// literal writes a multi-line string as a literal block scalar.
func (e *emitter) literal(s string, indent int) {
	body := strings.TrimRight(s, "\n")
	switch trailing := len(s) - len(body); {
	case trailing == 0:
		e.buf.WriteString(" |-\n")
	case trailing == 1:
		e.buf.WriteString(" |\n")
	default:
		e.buf.WriteString(" |+\n")
	}
	lines := strings.Split(s, "\n")
	if len(s)-len(body) > 0 {
		lines = lines[:len(lines)-1] // the final newline ends the last line
	}
	for _, line := range lines {
		if line != "" {
			e.indent(indent)
			e.buf.WriteString(line)
		}
		e.buf.WriteByte('\n')
	}
}

// scalar writes a string plain when every reader takes it back as the same
// string, double-quoted otherwise.
func (e *emitter) scalar(s string) {
	if plainOK(s) {
		e.buf.WriteString(s)
		return
	}
	e.buf.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			e.buf.WriteString(`\"`)
		case r == '\\':
			e.buf.WriteString(`\\`)
		case r == '\n':
			e.buf.WriteString(`\n`)
		case r == '\t':
			e.buf.WriteString(`\t`)
		case r == '\r':
			e.buf.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == utf8.RuneError:
			fmt.Fprintf(&e.buf, `\u%04X`, r)
		default:
			e.buf.WriteRune(r)
		}
	}
	e.buf.WriteByte('"')
}

// plainOK reports whether s can be written as a plain scalar in block
// context and read back as the string s by YAML 1.1 and 1.2 readers.
func plainOK(s string) bool {
	if s == "" || NeedsQuotes(s) {
		return false
	}
	switch s[0] {
	case ' ', '\t', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '-':
		if len(s) == 1 || s[1] == ' ' || strings.HasPrefix(s, "---") {
			return false
		}
	case '.':
		if strings.HasPrefix(s, "...") {
			return false
		}
	}
	if last := s[len(s)-1]; last == ' ' || last == ':' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' && i+1 < len(s) && s[i+1] == ' ':
			return false
		case c == '#' && s[i-1] == ' ':
			return false
		case c < 0x20 || c == 0x7f:
			return false
		case c >= 0x80:
			return plainRunesOK(s[i:])
		}
	}
	return true
}

func plainRunesOK(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// literalOK reports whether a multi-line string reads back unchanged from a
// literal block (|) in every YAML reader: it must start with content, no line
// may start or end with whitespace, and no control characters.
func literalOK(s string) bool {
	if s == "" || s[0] == '\n' || strings.Trim(s, "\n") == "" {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' || line[len(line)-1] == ' ' || line[len(line)-1] == '\t' {
			return false
		}
		for _, r := range line {
			if r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == utf8.RuneError) {
				return false
			}
		}
	}
	return true
}

// freeformMaps are keys whose values are maps with user-chosen keys, where a
// field order would only surprise.
var freeformMaps = map[string]bool{
	"labels": true, "annotations": true, "data": true, "stringData": true, "binaryData": true,
	"matchLabels": true, "nodeSelector": true, "selector": true, "limits": true, "requests": true,
	"capacity": true, "allocatable": true, "parameters": true, "hard": true, "properties": true,
	"definitions": true, "patternProperties": true, "values": true, "overhead": true,
}

var topOrder = map[string]int{"apiVersion": 1, "kind": 2, "metadata": 3}

func keyOrder(parent string, depth int) func(a, b string) int {
	switch {
	case depth == 0:
		return func(a, b string) int {
			ra, rb := topOrder[a], topOrder[b]
			switch {
			case ra != 0 && rb != 0:
				return ra - rb
			case ra != 0:
				return -1
			case rb != 0:
				return 1
			}
			return fieldCompare(a, b)
		}
	case freeformMaps[parent]:
		return strings.Compare
	}
	return fieldCompare
}

func fieldCompare(a, b string) int {
	ra, aok := kyaml.FieldOrder[a]
	rb, bok := kyaml.FieldOrder[b]
	switch {
	case aok && bok:
		return ra - rb
	case aok:
		return -1
	case bok:
		return 1
	}
	return strings.Compare(a, b)
}

var (
	// The YAML 1.1 type regexps (yaml.org/type), which kubectl's YAML reader
	// and many others still apply to plain scalars.
	yaml11Int   = regexp.MustCompile(`^[-+]?(0b[01_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)$`)
	yaml11Float = regexp.MustCompile(`^([-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$`)
	yaml11Words = map[string]bool{
		"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "n": true, "N": true, "no": true, "No": true, "NO": true,
		"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
		"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
		"~": true, "null": true, "Null": true, "NULL": true, "": true, "<<": true, "=": true,
	}
)

// NeedsQuotes reports whether a plain (unquoted) scalar s would be read as
// something other than the string s by a YAML 1.1 or 1.2 reader: a boolean,
// null, a number in any of their notations, or a merge key.
func NeedsQuotes(s string) bool {
	if yaml11Words[s] {
		return true
	}
	// Only strings starting like a number can be read as one.
	if c := s[0]; !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.') {
		return false
	}
	if yaml11Int.MatchString(s) || yaml11Float.MatchString(s) {
		return true
	}
	// yaml.v2 (kubectl's reader) drops underscores and tries Go's parsers.
	for _, p := range []string{s, strings.ReplaceAll(s, "_", "")} {
		if _, err := strconv.ParseFloat(p, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseInt(p, 0, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseUint(p, 0, 64); err == nil {
			return true
		}
	}
	return false
}
