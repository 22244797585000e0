package manifest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/userfile"
)

// ReadFile reads Kubernetes objects from a YAML or JSON manifest file.
func ReadFile(path string) ([]*Object, diag.List) {
	var objs []*Object
	l := ReadFileEach(path, true, func(o []*Object) { objs = append(objs, o...) })
	return objs, l
}

// ReadFileEach reads a manifest file as ReadFile does, and hands the
// objects of each document to f as soon as the document is read, so that
// a caller keeps only what it needs of a large file. Without fields, the
// objects have no Origin.Fields (only their own position): for a caller
// that reports no problem of a field.
func ReadFileEach(path string, fields bool, f func([]*Object)) diag.List {
	r, err := userfile.Open(path, userfile.ManifestLimit)
	if err != nil {
		msg := err.Error()
		var ue *userfile.Error
		if errors.As(err, &ue) {
			msg = ue.Reason
		}
		return diag.List{{Severity: diag.Error, Pos: diag.Pos{File: path}, Message: msg}}
	}
	defer r.Close()
	// The whole file only to place an error the parser gives no line.
	whole := func() []byte { b, _ := userfile.Read(path, userfile.ManifestLimit); return b }
	return readEach(path, bufio.NewReaderSize(r, 64<<10), whole, fields, f)
}

// Read parses a multi-document YAML (or JSON) stream into objects, with
// every field's position. Values are read the way kubectl reads them
// (sigs.k8s.io/yaml, so `yes` is a boolean); keys that appear twice in one
// mapping, which kubectl silently resolves to the last, are errors.
func Read(file string, data []byte) ([]*Object, diag.List) {
	var objs []*Object
	l := readEach(file, bytes.NewReader(data), func() []byte { return data }, true, func(o []*Object) { objs = append(objs, o...) })
	return objs, l
}

func readEach(file string, data io.Reader, whole func() []byte, fields bool, f func([]*Object)) diag.List {
	return eachDocument(file, 1, data, whole, fields, func(r *reader, root *kyaml.Node, value any, fields map[string]diag.Pos) diag.List {
		o, d := r.objects(value, root, fields)
		// Duplicate keys belong to the document's object when it has one;
		// kubectl would apply the object with the last value.
		var l diag.List
		if len(o) == 1 {
			o[0].Problems = append(o[0].Problems, r.diags...)
		} else {
			l = append(l, r.diags...)
		}
		if len(o) > 0 {
			f(o)
		}
		return append(l, d...)
	})
}

// ReadDocuments reads YAML that is not a manifest file (a chart's rendered
// template, kubenix.fromYAML's string) into the values of its documents,
// empty ones left out: read as Read reads files, with the same errors (a
// key written twice, YAML that does not parse) at name:line:col, data
// starting on line `line` of name.
func ReadDocuments(name string, line int, data []byte) ([]any, diag.List) {
	if docs, ok := readPlain(data); ok {
		return docs, nil
	}
	var docs []any
	l := eachDocument(name, line, bytes.NewReader(data), func() []byte { return data }, false, func(r *reader, _ *kyaml.Node, value any, _ map[string]diag.Pos) diag.List {
		if value != nil {
			docs = append(docs, value)
		}
		return r.diags
	})
	return docs, l
}

// eachDocument decodes each document of a stream and hands its value to
// f, with the reader that indexed it (its duplicate keys in r.diags) and,
// when fields is set, every field's position.
func eachDocument(file string, line int, data io.Reader, whole func() []byte, fields bool, f func(r *reader, root *kyaml.Node, value any, fields map[string]diag.Pos) diag.List) diag.List {
	dec := kyaml.NewDecoder(data)
	var l diag.List
	for {
		var n kyaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d := yamlError(file, err)
			if d.Pos.Line == 0 {
				d.Pos = anchorPos(file, whole(), err)
			}
			if d.Pos.Line > 0 {
				d.Pos.Line += line - 1
			}
			l = append(l, d)
			break
		}
		root := &n
		if root.Kind == kyaml.DocumentNode && len(root.Content) > 0 {
			root = root.Content[0]
		}
		if isNullNode(root) {
			continue
		}
		r := reader{file: file, offset: line - 1}
		var pos map[string]diag.Pos
		if fields {
			pos = map[string]diag.Pos{}
		}
		r.index(root, nil, "", pos)
		value, err := kubectlValue(root)
		if err != nil {
			// The conversion says what, not where: find the node.
			at, msg := culprit(root)
			if at == nil {
				at, msg = root, err.Error()
			}
			l = append(l, r.diags...)
			l = append(l, diag.Diagnostic{Severity: diag.Error, Pos: r.pos(at), Message: msg})
			continue
		}
		l = append(l, f(&r, root, value, pos)...)
	}
	return l
}

type reader struct {
	file   string
	offset int // lines of the file before the data
	diags  diag.List
}

func (r *reader) pos(n *kyaml.Node) diag.Pos {
	return diag.Pos{File: r.file, Line: r.offset + n.Line, Col: n.Column}
}

func isNullNode(n *kyaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == kyaml.ScalarNode && n.ShortTag() == "!!null"
}

// index records the position of every field under n (in fields, unless
// nil), and reports keys that appear twice in one mapping.
//
// An alias is not followed: the fields it brings are where the alias is
// written, and an alias can refer to itself (a: &x [*x]) or expand
// exponentially (kubectl's YAML reader refuses both, and so does
// kubectlValue).
func (r *reader) index(n *kyaml.Node, segs []any, key string, fields map[string]diag.Pos) {
	child := func(seg string) string {
		if len(segs) == 0 {
			return seg
		}
		return key + fieldSep + seg
	}
	switch n.Kind {
	case kyaml.MappingNode:
		var seen map[string]*kyaml.Node // for large mappings; small ones are searched
		if len(n.Content) > 32 {
			seen = make(map[string]*kyaml.Node, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				continue
			}
			var first *kyaml.Node
			if seen != nil {
				if first = seen[k.Value]; first == nil {
					seen[k.Value] = k
				}
			} else {
				first = earlierKey(n.Content[:i], k.Value)
			}
			if first != nil {
				r.diags = append(r.diags, diag.Diagnostic{
					Severity: diag.Error, Pos: r.pos(k), Field: FieldPath(append(segs[:len(segs):len(segs)], k.Value)), Reason: "FieldValueDuplicate",
					Message: fmt.Sprintf("duplicate key %q: it is also at line %d, and kubectl would silently keep only the last one", k.Value, r.pos(first).Line),
					Related: []diag.Pos{r.pos(first)},
				})
				continue
			}
			var ck string
			if fields != nil {
				ck = child(k.Value)
				fields[ck] = r.pos(k)
			}
			// segs is a stack: each child's path lives only while it is indexed.
			r.index(v, append(segs, k.Value), ck, fields)
		}
	case kyaml.SequenceNode:
		for i, c := range n.Content {
			var ck string
			if fields != nil {
				ck = child("#" + strconv.Itoa(i))
				fields[ck] = r.pos(c)
			}
			r.index(c, append(segs, i), ck, fields)
		}
	}
}

// earlierKey returns the key node named name among the keys of pairs (a
// mapping's content), skipping merge keys, or nil.
func earlierKey(pairs []*kyaml.Node, name string) *kyaml.Node {
	for i := 0; i+1 < len(pairs); i += 2 {
		if k := pairs[i]; k.Value == name && !(k.Value == "<<" && k.ShortTag() == "!!merge") {
			return k
		}
	}
	return nil
}

// viaJSON converts a document as kubectl does, step by step: written
// out, read with sigs.k8s.io/yaml into JSON, decoded.
func viaJSON(n *kyaml.Node) (any, error) {
	var buf bytes.Buffer
	enc := kyaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	j, err := sigsyaml.YAMLToJSON(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return DecodeJSON(j)
}

// objects extracts the objects of one document (a List is unwrapped).
func (r *reader) objects(v any, root *kyaml.Node, fields map[string]diag.Pos) ([]*Object, diag.List) {
	x := extractor{}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, diag.List{{Severity: diag.Error, Pos: r.pos(root), Message: "expected a Kubernetes object (a mapping with apiVersion and kind), found " + describe(v)}}
	}
	x.walk(nil, m, r.pos(root))
	for _, o := range x.objs {
		if fields != nil {
			o.Origin.Fields = fieldsUnder(fields, FieldKey(o.Origin.Path), len(x.objs) == 1)
			o.Origin.Pos = fields[FieldKey(o.Origin.Path.Append("kind"))]
		} else {
			o.Origin.Pos = r.keyPos(root, o.Origin.Path.Append("kind"))
		}
		if o.Origin.Pos.IsZero() {
			o.Origin.Pos = r.pos(root)
		}
		o.Origin.Path = nil
		o.Origin.Site = diag.Pos{}
	}
	if len(x.diags) > 0 && fields == nil {
		fields = map[string]diag.Pos{}
		(&reader{file: r.file, offset: r.offset}).index(root, nil, "", fields)
	}
	for i := range x.diags {
		segs := pathOf(x.diags[i].Path)
		if f := x.diags[i].Field; f != "" {
			// The field itself, when it is there (metadata: a).
			if p, ok := fields[FieldKey(append(segs[:len(segs):len(segs)], ParseFieldPath(f)...))]; ok {
				x.diags[i].Pos, x.diags[i].Path = p, ""
				continue
			}
		}
		if p, ok := fields[FieldKey(segs)]; ok {
			x.diags[i].Pos = p
		} else {
			x.diags[i].Pos = r.pos(root)
		}
		x.diags[i].Path = ""
	}
	return x.objs, x.diags
}

// keyPos is the position of the field at path under n, as index records
// it (the first of a key written twice; aliases not followed), or none.
func (r *reader) keyPos(n *kyaml.Node, path Path) diag.Pos {
	var at *kyaml.Node
	for _, seg := range path {
		switch s := seg.(type) {
		case string:
			if n.Kind != kyaml.MappingNode {
				return diag.Pos{}
			}
			at = earlierKey(n.Content, s)
			if at == nil {
				return diag.Pos{}
			}
			n = n.Content[slices.Index(n.Content, at)+1]
		case int:
			if n.Kind != kyaml.SequenceNode || s >= len(n.Content) {
				return diag.Pos{}
			}
			at, n = n.Content[s], n.Content[s]
		}
	}
	if at == nil {
		return diag.Pos{}
	}
	return r.pos(at)
}

// fieldsUnder are the positions of the fields under prefix, by their path
// below it. A document that is one object keeps the document's map.
func fieldsUnder(fields map[string]diag.Pos, prefix string, only bool) map[string]diag.Pos {
	if prefix == "" && only {
		return fields
	}
	out := map[string]diag.Pos{}
	for k, p := range fields {
		if rest, ok := strings.CutPrefix(k, prefix); ok && (prefix == "" || strings.HasPrefix(rest, fieldSep)) {
			out[strings.TrimPrefix(rest, fieldSep)] = p
		}
	}
	return out
}

// pathOf parses back what Path.String produced, for the simple paths
// extraction reports within one document.
func pathOf(s string) Path {
	var p Path
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '[' }) {
		part = strings.TrimSuffix(part, "]")
		if i, err := strconv.Atoi(part); err == nil {
			p = append(p, i)
		} else {
			p = append(p, part)
		}
	}
	return p
}

// culprit finds the node kubectl's YAML-to-JSON conversion fails at, and
// says why: a merge key (<<) whose value is not a mapping or a list of
// them, a !!binary that is not base64, a float JSON cannot hold. Aliases
// are not followed (see index).
func culprit(n *kyaml.Node) (*kyaml.Node, string) {
	switch n.Kind {
	case kyaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.ShortTag() == "!!merge" && !mergeable(v) {
				return v, "the value of a merge key (<<) must be a mapping, or a list of mappings"
			}
			if at, msg := culprit(k); at != nil {
				return at, msg
			}
			if at, msg := culprit(v); at != nil {
				return at, msg
			}
		}
	case kyaml.SequenceNode:
		for _, c := range n.Content {
			if at, msg := culprit(c); at != nil {
				return at, msg
			}
		}
	case kyaml.ScalarNode:
		switch n.ShortTag() {
		case "!!binary":
			if _, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), "")); err != nil {
				return n, fmt.Sprintf("!!binary %q is not base64", n.Value)
			}
		case "!!float":
			if f, err := strconv.ParseFloat(strings.TrimPrefix(strings.ToLower(n.Value), "."), 64); err == nil && (math.IsInf(f, 0) || math.IsNaN(f)) ||
				nonFiniteYAML.MatchString(n.Value) {
				return n, fmt.Sprintf("a float that is not a finite number (%s): JSON, and so Kubernetes, has no such number", n.Value)
			}
		}
	}
	return nil, ""
}

var nonFiniteYAML = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$`)

func mergeable(v *kyaml.Node) bool {
	if v.Kind == kyaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case kyaml.MappingNode:
		return true
	case kyaml.SequenceNode:
		for _, c := range v.Content {
			if c.Kind == kyaml.AliasNode && c.Alias != nil {
				c = c.Alias
			}
			if c.Kind != kyaml.MappingNode {
				return false
			}
		}
		return true
	}
	return false
}

var unknownAnchor = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)

// anchorPos places the error of an alias to an anchor that is not
// defined, which the YAML parser reports without a line: the first *name.
func anchorPos(file string, data []byte, err error) diag.Pos {
	m := unknownAnchor.FindStringSubmatch(err.Error())
	if m == nil {
		return diag.Pos{File: file}
	}
	re := regexp.MustCompile(`\*` + regexp.QuoteMeta(m[1]) + `($|[\s,\]}])`)
	loc := re.FindIndex(data)
	if loc == nil {
		return diag.Pos{File: file}
	}
	before := data[:loc[0]]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return diag.Pos{File: file, Line: line, Col: col}
}

func yamlError(file string, err error) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: file}, Message: "YAML: " + err.Error()}
	// yaml.v3 says "yaml: line N: message".
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				d.Pos.Line, d.Message = line, "YAML: "+text
			}
		}
	}
	return d
}

// fieldSep separates segments in a FieldKey.
const fieldSep = "\x00"

// FieldKey is the canonical form of a field path (names and indices) for
// lookups: field paths are spelled differently by different validators.
func FieldKey(segs []any) string {
	var b strings.Builder
	for i, s := range segs {
		if i > 0 {
			b.WriteString(fieldSep)
		}
		switch v := s.(type) {
		case int:
			b.WriteString("#" + strconv.Itoa(v))
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// FieldPath spells a field path as the API server does: spec.containers[0].image.
func FieldPath(segs []any) string {
	var b strings.Builder
	for _, s := range segs {
		switch v := s.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// ParseFieldPath reads an API server field path (spec.containers[0].image,
// metadata.labels[app.kubernetes.io/name]) into segments: names, and
// indices for numeric brackets.
func ParseFieldPath(s string) []any {
	var segs []any
	for i := 0; i < len(s); {
		switch s[i] {
		case '.':
			i++
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				segs = append(segs, s[i+1:])
				return segs
			}
			inner := s[i+1 : i+end]
			if n, err := strconv.Atoi(inner); err == nil {
				segs = append(segs, n)
			} else {
				segs = append(segs, inner)
			}
			i += end + 1
		default:
			end := strings.IndexAny(s[i:], ".[")
			if end < 0 {
				end = len(s) - i
			}
			segs = append(segs, s[i:i+end])
			i += end
		}
	}
	return segs
}
