package manifest

import (
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
)

// readBlockYAML reads the block-style YAML that generated files are
// written in (controller-gen's CRDs: indented mappings and sequences,
// plain, quoted and block scalars, comments, `---`), about
// four times faster than go-yaml, into exactly the values readPlainYAML
// gives. It gives up (false) on the whole stream at anything it does not
// read with certainty: anchors, aliases, tags, directives, `...`, tabs,
// carriage returns, control characters, complex or long keys, a key
// written twice, a key that is not a string, double-quoted scalars on
// more than one line, flow collections beyond one line of simple entries, block
// scalars that are empty, start with empty lines, give an indentation or
// (folded) have more-indented lines, and a document that is not a
// mapping. go-yaml then reads the stream as before.
func readBlockYAML(data []byte) ([]any, bool) {
	if !blockYAMLChars(data) {
		return nil, false
	}
	p := blockParser{data: data}
	p.lines = make([]blockLine, 0, len(data)/40+1)
	var docs []any
	start := 0
	for pos := 0; pos < len(data); {
		end := pos
		for end < len(data) && data[end] != '\n' {
			end++
		}
		ind := pos
		for ind < end && data[ind] == ' ' {
			ind++
		}
		if ind == pos && end-pos >= 3 {
			switch {
			case data[pos] == '%':
				return nil, false
			case (data[pos] == '-' || data[pos] == '.') && data[pos+1] == data[pos] && data[pos+2] == data[pos] && (end-pos == 3 || data[pos+3] == ' '):
				if data[pos] == '.' || strings.TrimLeft(string(data[pos+3:end]), " ") != "" {
					return nil, false
				}
				doc, ok := p.document(start, len(p.lines))
				if !ok {
					return nil, false
				}
				if doc != nil {
					docs = append(docs, doc)
				}
				start = len(p.lines) + 1
			}
		} else if ind == pos && end > pos && data[pos] == '%' {
			return nil, false
		}
		p.lines = append(p.lines, blockLine{start: pos, end: end, indent: ind - pos})
		pos = end + 1
	}
	doc, ok := p.document(start, len(p.lines))
	if !ok {
		return nil, false
	}
	if doc != nil {
		docs = append(docs, doc)
	}
	return docs, true
}

// blockYAMLChars: text with nothing but line feeds and printable
// characters that are not line breaks to YAML 1.1 (go-yaml refuses
// control characters and breaks lines at NEL, LS and PS), no tab, no
// carriage return, no byte order mark, valid UTF-8.
func blockYAMLChars(data []byte) bool {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError || r < 0xa0 || r == 0x2028 || r == 0x2029 || (r >= 0xd800 && r < 0xe000) || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return false
		}
		i += n
	}
	return true
}

type blockLine struct {
	start, end int // end is the offset of the line feed, or len(data)
	indent     int // leading spaces
}

type blockParser struct {
	data  []byte
	lines []blockLine
	i     int // the line being read
	end   int // the line that ends the document
	// resolved remembers what go-yaml made of the number-like plain
	// scalars it was asked about, which repeat (0.5, 2006-01-02).
	resolved map[string]resolved
}

func (p *blockParser) blank(l blockLine) bool {
	c := l.start + l.indent
	return c == l.end || p.data[c] == '#'
}

func (p *blockParser) skipBlank() {
	for p.i < p.end && p.blank(p.lines[p.i]) {
		p.i++
	}
}

// document reads lines [from, to) as one document: nil for one with
// nothing but comments, false for one that is not a block mapping.
func (p *blockParser) document(from, to int) (any, bool) {
	p.i, p.end = from, to
	p.skipBlank()
	if p.i == p.end {
		return nil, true
	}
	l := p.lines[p.i]
	m, ok := p.mapping(l.indent, l.start+l.indent)
	if !ok {
		return nil, false
	}
	p.skipBlank()
	return m, p.i == p.end
}

// mapping reads a block mapping whose keys are at column indent, the
// first of them at offset at of the current line.
func (p *blockParser) mapping(indent, at int) (map[string]any, bool) {
	m := map[string]any{}
	for {
		l := p.lines[p.i]
		key, after, ok := p.key(at, l.end)
		if !ok {
			return nil, false
		}
		if _, dup := m[key]; dup || key == FloatKey || key == "<<" {
			return nil, false
		}
		if m[key], ok = p.value(after, l.end, indent, true); !ok {
			return nil, false
		}
		p.skipBlank()
		if p.i == p.end {
			return m, true
		}
		next := p.lines[p.i]
		if next.indent < indent {
			return m, true
		}
		if next.indent > indent {
			return nil, false
		}
		at = next.start + next.indent
	}
}

// sequence reads a block sequence whose `-` are at column indent.
func (p *blockParser) sequence(indent int) ([]any, bool) {
	var s []any
	for {
		l := p.lines[p.i]
		at := l.start + l.indent
		if !p.dash(at, l.end) {
			return nil, false
		}
		v, ok := p.value(at+1, l.end, indent, false)
		if !ok {
			return nil, false
		}
		s = append(s, v)
		p.skipBlank()
		if p.i == p.end {
			return s, true
		}
		next := p.lines[p.i]
		if next.indent < indent || (next.indent == indent && !p.dash(next.start+next.indent, next.end)) {
			return s, true
		}
		if next.indent > indent {
			return nil, false
		}
	}
}

func (p *blockParser) dash(at, end int) bool {
	return p.data[at] == '-' && (at+1 == end || p.data[at+1] == ' ')
}

// key reads a mapping key at offset at: a plain or quoted scalar on the
// line, then `:` and a space or the line's end. It returns the offset
// after the `:`.
func (p *blockParser) key(at, end int) (string, int, bool) {
	d := p.data
	var key string
	var next int
	switch c := d[at]; c {
	case '"', '\'':
		s, n, ok := p.quoted(at, end)
		if !ok || n == end || d[n] != ':' {
			return "", 0, false
		}
		key, next = s, n
	default:
		if !plainStart(d, at, end) {
			return "", 0, false
		}
		textEnd, colon, n := p.plain(at, end)
		if !colon {
			return "", 0, false
		}
		v, ok := p.resolvePlain(string(d[at:textEnd]))
		s, isString := v.(string)
		if !ok || !isString {
			return "", 0, false
		}
		key, next = s, n
	}
	// go-yaml looks for a key's `:` at most 1024 characters on, in a block
	// or a flow mapping alike; longer keys are left to it.
	if next-at > maxImplicitKey || (next+1 < end && d[next+1] != ' ') {
		return "", 0, false
	}
	return key, next + 1, true
}

// value reads what follows a mapping's `key:` or a sequence's `-` at
// offset at of the current line, and moves past its last line. parent
// is the column of the collection it belongs to.
func (p *blockParser) value(at, end, parent int, inMapping bool) (any, bool) {
	d := p.data
	for at < end && d[at] == ' ' {
		at++
	}
	if at == end || d[at] == '#' {
		p.i++
		return p.blockNode(parent, inMapping)
	}
	var v any
	next := end
	switch c := d[at]; c {
	case '"', '\'':
		if !inMapping {
			// `- "k": v` starts a mapping.
			if _, n, ok := p.quoted(at, end); ok && n < end && d[n] == ':' {
				return p.mapping(at-p.lines[p.i].start, at)
			}
		}
		s, n, ok := p.quoted(at, end)
		if !ok && c == '\'' {
			s, n, ok = p.quotedLines(at, end, parent)
			end = p.lines[p.i].end
		}
		if !ok {
			return nil, false
		}
		v, next = s, n
	case '|', '>':
		return p.blockScalar(at, end, parent)
	case '[', '{':
		f, n, ok := p.flow(at, end, 0)
		if !ok {
			return nil, false
		}
		v, next = f, n
	default:
		if !plainStart(d, at, end) {
			return nil, false
		}
		textEnd, colon, stop := p.plain(at, end)
		if colon {
			if inMapping {
				return nil, false
			}
			return p.mapping(at-p.lines[p.i].start, at)
		}
		text := string(d[at:textEnd])
		if stop == end {
			var last int
			var ok bool
			if text, last, ok = p.plainLines(text, parent); !ok {
				return nil, false
			}
			if last > p.i {
				p.i = last + 1
				return p.resolvePlain(text)
			}
		}
		r, ok := p.resolvePlain(text)
		if !ok {
			return nil, false
		}
		v, next = r, textEnd
	}
	if !p.lineEnds(next, end) {
		return nil, false
	}
	p.i++
	return v, true
}

// plainLines reads the lines that continue a plain scalar whose first
// line, up to its end, is first: lines indented more than parent (the
// column of the collection it belongs to) up to a comment or a line that
// is not, folded as YAML folds them (a line break is a space, n empty
// lines are n line feeds). It returns the last line read (the current
// one when no line continues it). A line that would end the scalar in a
// way go-yaml refuses (a `: `) or starts with an indicator gives up.
func (p *blockParser) plainLines(first string, parent int) (string, int, bool) {
	d := p.data
	last := p.i
	var b []byte
	empty := 0
	for j := p.i + 1; j < p.end; j++ {
		l := p.lines[j]
		at := l.start + l.indent
		if at == l.end {
			empty++
			continue
		}
		if d[at] == '#' || l.indent <= parent {
			break
		}
		if !plainStart(d, at, l.end) {
			return "", 0, false
		}
		textEnd, colon, stop := p.plain(at, l.end)
		if colon {
			return "", 0, false
		}
		if b == nil {
			b = append(b, first...)
		}
		b = foldBreaks(b, empty)
		b = append(b, d[at:textEnd]...)
		empty, last = 0, j
		if stop < l.end {
			break // a comment ends it
		}
	}
	if last == p.i {
		return first, last, true
	}
	return string(b), last, true
}

// quotedLines reads a single-quoted scalar that starts at offset at of
// the current line and ends on a later one, each indented more than
// parent, folded as YAML folds quoted scalars (spaces around a line break
// dropped, a line break a space, n empty lines n line feeds). It leaves
// the closing line current and returns the offset after the quote.
func (p *blockParser) quotedLines(at, end, parent int) (string, int, bool) {
	d := p.data
	b, ok := unquoteSingle(nil, d[at+1:trimSpaces(d, at+1, end)])
	if !ok {
		return "", 0, false
	}
	empty := 0
	for j := p.i + 1; j < p.end; j++ {
		l := p.lines[j]
		from := l.start + l.indent
		if from == l.end {
			empty++
			continue
		}
		if l.indent <= parent {
			return "", 0, false
		}
		b = foldBreaks(b, empty)
		empty = 0
		k := from
		for k < l.end && (d[k] != '\'' || k+1 < l.end && d[k+1] == '\'') {
			if d[k] == '\'' {
				k++
			}
			k++
		}
		if k < l.end {
			if b, ok = unquoteSingle(b, d[from:k]); !ok {
				return "", 0, false
			}
			p.i = j
			return string(b), k + 1, true
		}
		if b, ok = unquoteSingle(b, d[from:trimSpaces(d, from, l.end)]); !ok {
			return "", 0, false
		}
	}
	return "", 0, false
}

// foldBreaks appends what a line break followed by empty empty lines
// folds to.
func foldBreaks(b []byte, empty int) []byte {
	if empty == 0 {
		return append(b, ' ')
	}
	for range empty {
		b = append(b, '\n')
	}
	return b
}

func trimSpaces(d []byte, from, to int) int {
	for to > from && d[to-1] == ' ' {
		to--
	}
	return to
}

// unquoteSingle appends the text of a single-quoted scalar's line, in
// which every quote is doubled.
func unquoteSingle(b, text []byte) ([]byte, bool) {
	for i := 0; i < len(text); i++ {
		if text[i] == '\'' {
			if i+1 == len(text) || text[i+1] != '\'' {
				return nil, false
			}
			i++
		}
		b = append(b, text[i])
	}
	return b, true
}

// lineEnds: nothing but spaces and a comment from offset at.
func (p *blockParser) lineEnds(at, end int) bool {
	i := at
	for i < end && p.data[i] == ' ' {
		i++
	}
	return i == end || (i > at && p.data[i] == '#')
}

// blockNode reads the collection on the lines after `key:` or `-`, or
// none (null). A mapping's value may be a sequence at the mapping's own
// column.
func (p *blockParser) blockNode(parent int, inMapping bool) (any, bool) {
	p.skipBlank()
	if p.i == p.end {
		return nil, true
	}
	l := p.lines[p.i]
	at := l.start + l.indent
	switch {
	case l.indent > parent && p.dash(at, l.end), l.indent == parent && inMapping && p.dash(at, l.end):
		s, ok := p.sequence(l.indent)
		return s, ok
	case l.indent > parent:
		m, ok := p.mapping(l.indent, at)
		return m, ok
	}
	return nil, true
}

// plainStart: a plain scalar may start at offset at (not an indicator).
func plainStart(d []byte, at, end int) bool {
	switch d[at] {
	case '-':
		return at+1 < end && d[at+1] != ' '
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ':
		return false
	}
	return true
}

// plain scans a plain scalar in block context from offset at to its end
// on the line: a `: ` (then colon is set and next is the `:`), a ` #` or
// the line's end. textEnd leaves out trailing spaces.
func (p *blockParser) plain(at, end int) (textEnd int, colon bool, next int) {
	d := p.data
	i := at
	for ; i < end; i++ {
		c := d[i]
		if c == ':' && (i+1 == end || d[i+1] == ' ') {
			colon = true
			break
		}
		if c == ' ' && i+1 < end && d[i+1] == '#' {
			break
		}
	}
	textEnd = i
	for textEnd > at && d[textEnd-1] == ' ' {
		textEnd--
	}
	return textEnd, colon, i
}

// quoted reads a single- or double-quoted scalar that ends on its line,
// returning the offset after the closing quote.
func (p *blockParser) quoted(at, end int) (string, int, bool) {
	d := p.data
	q := d[at]
	var b []byte
	i := at + 1
	for {
		j := i
		for j < end && d[j] != q && (q == '\'' || d[j] != '\\') {
			j++
		}
		if j == end {
			return "", 0, false // a quoted scalar on more than one line
		}
		if d[j] == q && (q == '"' || j+1 == end || d[j+1] != '\'') {
			if b == nil {
				return string(d[i:j]), j + 1, true
			}
			return string(append(b, d[i:j]...)), j + 1, true
		}
		b = append(b, d[i:j]...)
		if q == '\'' {
			b = append(b, '\'')
			i = j + 2
			continue
		}
		if j+1 == end {
			return "", 0, false
		}
		n, ok := unescape(&b, d[j+1:end])
		if !ok {
			return "", 0, false
		}
		i = j + 1 + n
	}
}

// escapes are the one-character escapes of double-quoted scalars, and
// escaped what each stands for.
const escapes = "0abtnvfre \"'\\N_LP"

var escaped = []string{"\x00", "\a", "\b", "\t", "\n", "\v", "\f", "\r", "\x1b", " ", "\"", "'", "\\", "\u0085", "\u00a0", "\u2028", "\u2029"}

// unescape appends what the escape at the start of e (after the
// backslash) stands for in a double-quoted scalar, returning its length.
func unescape(b *[]byte, e []byte) (int, bool) {
	if i := strings.IndexByte(escapes, e[0]); i >= 0 {
		*b = append(*b, escaped[i]...)
		return 1, true
	}
	digits := 0
	switch e[0] {
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	}
	if digits == 0 || len(e) < 1+digits {
		return 0, false
	}
	r, err := strconv.ParseUint(string(e[1:1+digits]), 16, 32)
	if err != nil || (r >= 0xd800 && r < 0xe000) || r > utf8.MaxRune {
		return 0, false
	}
	*b = utf8.AppendRune(*b, rune(r))
	return 1 + digits, true
}

// blockScalar reads a `|` or `>` scalar whose header is at offset at;
// its content is indented more than parent.
func (p *blockParser) blockScalar(at, end, parent int) (any, bool) {
	d := p.data
	literal := d[at] == '|'
	chomp := byte(0)
	at++
	if at < end && (d[at] == '-' || d[at] == '+') {
		chomp = d[at]
		at++
	}
	if !p.lineEnds(at, end) {
		return nil, false // an indentation indicator, or text after the header
	}
	p.i++
	if p.i == p.end {
		return nil, false
	}
	first := p.lines[p.i]
	n := first.indent
	if first.start+n == first.end || n <= parent {
		return nil, false // empty lines first, or an empty scalar
	}
	var b strings.Builder
	started := false
	emptyLines, breaks := 0, 0
	for ; p.i < p.end; p.i++ {
		l := p.lines[p.i]
		if l.start+l.indent == l.end {
			if l.indent > n {
				return nil, false
			}
			emptyLines++
			if l.end < len(d) {
				breaks++
			}
			continue
		}
		if l.indent < n {
			break
		}
		if !literal && l.indent > n {
			return nil, false // folding around more-indented lines
		}
		if started {
			switch {
			case literal:
				b.WriteString(strings.Repeat("\n", 1+emptyLines))
			case emptyLines == 0:
				b.WriteByte(' ')
			default:
				b.WriteString(strings.Repeat("\n", emptyLines))
			}
		}
		b.Write(d[l.start+n : l.end])
		started = true
		emptyLines, breaks = 0, 0
		if l.end < len(d) {
			breaks = 1
		}
	}
	switch chomp {
	case '-':
	case '+':
		b.WriteString(strings.Repeat("\n", breaks))
	default:
		if breaks > 0 {
			b.WriteByte('\n')
		}
	}
	return b.String(), true
}

// flow reads a flow sequence or mapping that ends on its line: entries
// are quoted scalars, plain words (letters, digits, `._/-`, a letter or
// digit first) and flow collections of the same; a mapping's keys are
// followed by `: `. It returns the offset after the closing bracket.
func (p *blockParser) flow(at, end, depth int) (any, int, bool) {
	d := p.data
	if depth > 20 {
		return nil, 0, false
	}
	open := d[at]
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	skip := func(i int) int {
		for i < end && d[i] == ' ' {
			i++
		}
		return i
	}
	i := skip(at + 1)
	var seq []any
	var m map[string]any
	if open == '[' {
		seq = []any{}
	} else {
		m = map[string]any{}
	}
	if i < end && d[i] == closing {
		if open == '[' {
			return seq, i + 1, true
		}
		return m, i + 1, true
	}
	for {
		if open == '{' {
			k, n, ok := p.flowEntry(i, end, depth)
			key, isString := k.(string)
			if !ok || !isString || n-i > maxImplicitKey || n+1 >= end || d[n] != ':' || d[n+1] != ' ' {
				return nil, 0, false
			}
			if _, dup := m[key]; dup || key == FloatKey || key == "<<" {
				return nil, 0, false
			}
			v, n, ok := p.flowEntry(skip(n+1), end, depth)
			if !ok {
				return nil, 0, false
			}
			m[key], i = v, n
		} else {
			v, n, ok := p.flowEntry(i, end, depth)
			if !ok {
				return nil, 0, false
			}
			seq, i = append(seq, v), n
		}
		i = skip(i)
		if i == end {
			return nil, 0, false
		}
		if d[i] == closing {
			if open == '[' {
				return seq, i + 1, true
			}
			return m, i + 1, true
		}
		if d[i] != ',' {
			return nil, 0, false
		}
		i = skip(i + 1)
		if i == end || d[i] == closing {
			return nil, 0, false
		}
	}
}

func (p *blockParser) flowEntry(at, end, depth int) (any, int, bool) {
	d := p.data
	if at == end {
		return nil, 0, false
	}
	switch c := d[at]; {
	case c == '[' || c == '{':
		return p.flow(at, end, depth+1)
	case c == '"' || c == '\'':
		return p.quoted(at, end)
	case !flowWord(c) || c == '.' || c == '_' || c == '/' || c == '-':
		return nil, 0, false
	}
	i := at
	for i < end && flowWord(d[i]) {
		i++
	}
	v, ok := p.resolvePlain(string(d[at:i]))
	return v, i, ok
}

func flowWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == '-'
}

type resolved struct {
	v  any
	ok bool
}

// resolvePlain is the value go-yaml v2 and jsonValue give a plain
// scalar: a string unless it starts with a sign, a digit, `.`, or is a
// YAML 1.1 boolean or null; a plain decimal integer directly; any other
// number-like one (octal, hex, `_`, floats, timestamps, .inf) as go-yaml
// itself reads it, remembered.
func (p *blockParser) resolvePlain(s string) (any, bool) {
	c := s[0]
	switch {
	case c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		if v, ok := yaml11Scalars[s]; ok {
			return v, true
		}
		return s, true
	default:
		return s, true
	}
	if n, ok := decimal(s); ok {
		return n, true
	}
	if strings.IndexByte(s, '\n') >= 0 {
		return nil, false // not one line of "v: s"
	}
	if r, ok := p.resolved[s]; ok {
		return r.v, r.ok
	}
	var m map[string]any
	r := resolved{}
	if err := yamlv2.Unmarshal([]byte("v: "+s+"\n"), &m); err == nil && len(m) == 1 {
		if v, found := m["v"]; found {
			r.v, r.ok = jsonValue(v)
		}
	}
	if p.resolved == nil {
		p.resolved = map[string]resolved{}
	}
	p.resolved[s] = r
	return r.v, r.ok
}
