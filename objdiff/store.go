package objdiff

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// A side read from manifest files can be as large as the files (tens of
// MB, tens of thousands of objects), and a comparison needs the text of
// only the objects that changed. So each object's canonical YAML is made
// once, as it is read, and kept compressed with its hash, and its body is
// dropped: objects whose hashes agree are unchanged without another look,
// and the text of the others is found by decompressing one small block.

// blockSize is how much canonical YAML is compressed together: large
// enough to compress well, small enough to decompress for one object.
const blockSize = 64 << 10

// texts holds the canonical YAML of the objects of one side, compressed in
// blocks of about blockSize, each compressed on its own.
type texts struct {
	blocks [][]byte     // compressed
	cur    bytes.Buffer // the block being filled
	w      *flate.Writer
	// the last block decompressed, for neighbours
	cached      int
	cachedBlock []byte
	names       map[string]string // one copy of each apiVersion, kind, namespace and file name
}

// intern returns the copy of s the store keeps.
func (t *texts) intern(s string) string {
	if v, ok := t.names[s]; ok {
		return v
	}
	if t.names == nil {
		t.names = map[string]string{}
	}
	t.names[s] = s
	return s
}

// sealed is what is kept of an object read from a file: its identity and
// position, where its canonical YAML is kept, and its hash (the first half
// of its SHA-256). It is small: a side may have hundreds of thousands.
type sealed struct {
	apiVersion, kind, namespace, name string
	file                              string
	line, col                         int32
	block, offset, len                int32
	sum                               [16]byte
	store                             *texts
}

// object is the sealed object without its body.
func (s *sealed) object() *manifest.Object {
	return &manifest.Object{APIVersion: s.apiVersion, Kind: s.kind, Namespace: s.namespace, Name: s.name,
		Origin: manifest.Origin{Pos: diag.Pos{File: s.file, Line: int(s.line), Col: int(s.col)}}}
}

func (s *sealed) key() manifest.Key {
	group, _, ok := strings.Cut(s.apiVersion, "/")
	if !ok {
		group = ""
	}
	return manifest.Key{Group: group, Kind: s.kind, Namespace: s.namespace, Name: s.name}
}

func newTexts() *texts { return &texts{cached: -1} }

// add keeps text, and says where.
func (t *texts) add(text []byte) *sealed {
	sum := sha256.Sum256(text)
	s := &sealed{store: t, block: int32(len(t.blocks)), offset: int32(t.cur.Len()), len: int32(len(text)), sum: [16]byte(sum[:16])}
	t.cur.Write(text)
	if t.cur.Len() >= blockSize {
		t.flush()
	}
	return s
}

// flush compresses the block being filled.
func (t *texts) flush() {
	if t.cur.Len() == 0 {
		return
	}
	var out bytes.Buffer
	if t.w == nil {
		t.w, _ = flate.NewWriter(&out, flate.BestSpeed) // a valid level: no error
	} else {
		t.w.Reset(&out)
	}
	t.w.Write(t.cur.Bytes()) // into memory: no error
	t.w.Close()
	t.blocks = append(t.blocks, bytes.Clone(out.Bytes()))
	t.cur.Reset()
}

// done compresses what is left: no more is added.
func (t *texts) done() {
	t.flush()
	t.w = nil
	t.cur = bytes.Buffer{}
	t.names = nil
}

// text returns the canonical YAML s refers to.
func (s *sealed) text() (string, error) {
	t := s.store
	if int(s.block) != t.cached {
		b, err := io.ReadAll(flate.NewReader(bytes.NewReader(t.blocks[s.block])))
		if err != nil {
			return "", fmt.Errorf("reading back the objects kept in memory: %w", err)
		}
		t.cached, t.cachedBlock = int(s.block), b
	}
	return string(t.cachedBlock[s.offset : s.offset+s.len]), nil
}

// seal keeps the canonical YAML of e's object in t and drops the object
// (see Entry.object), unless the comparison needs its body: a Secret's
// values are masked, and a SOPS-encrypted object is compared by its sops
// block. An object that cannot be written as YAML keeps its body too, for
// compareOne to report. Only objects read from files are sealed: of their
// origin, only the position is kept.
func seal(e *Entry, t *texts) {
	o := e.Object
	if isSecret(o.Body) || isSOPSObject(e) {
		return
	}
	text, err := manifest.EncodeYAML(o.Body)
	if err != nil {
		return
	}
	s := t.add(text)
	s.apiVersion, s.kind, s.namespace, s.name = t.intern(o.APIVersion), t.intern(o.Kind), t.intern(o.Namespace), o.Name
	s.file, s.line, s.col = t.intern(o.Origin.Pos.File), int32(o.Origin.Pos.Line), int32(o.Origin.Pos.Col)
	e.Object, e.sealed = nil, s
}

// withBody returns e with its object's body, read back from its canonical
// YAML if it was sealed.
func (e *Entry) withBody() (*Entry, error) {
	if e == nil || e.sealed == nil {
		return e, nil
	}
	text, err := e.sealed.text()
	if err != nil {
		return nil, err
	}
	o := e.sealed.object()
	docs, l := manifest.ReadDocuments("", 1, []byte(text))
	if err := l.Err(); err != nil || len(docs) != 1 {
		return nil, fmt.Errorf("%s: reading back its YAML: %v", o.ID(), err)
	}
	o.Body, _ = docs[0].(map[string]any)
	return &Entry{Object: o, File: e.File}, nil
}

// yaml is the canonical YAML of e's object, or of body (e's body, perhaps
// with masked values) when it was not sealed; "" for no object.
func (e *Entry) yaml(body map[string]any) (string, error) {
	switch {
	case e == nil:
		return "", nil
	case e.sealed != nil:
		return e.sealed.text()
	}
	b, err := manifest.EncodeYAML(body)
	if err != nil {
		return "", fmt.Errorf("%s: %w", e.Object.ID(), err)
	}
	return string(b), nil
}
