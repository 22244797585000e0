package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/diag"
)

// nodeRead is ReadDocuments through the node tree only (no readPlain).
func nodeRead(data []byte) ([]any, diag.List) {
	var docs []any
	l := eachDocument("t.yaml", 1, bytes.NewReader(data), func() []byte { return data }, false, func(r *reader, _ *kyaml.Node, value any, _ map[string]diag.Pos) diag.List {
		if value != nil {
			docs = append(docs, value)
		}
		return r.diags
	})
	return docs, l
}

// readPlainCases are documents whose values kubectl reads in ways easy to
// get wrong: YAML 1.1 booleans, numbers, block scalars, anchors.
var readPlainCases = []string{
	"a: yes\nb: on\nc: off\nd: y\ne: No\n",
	"i: 012\nj: 0o12\nk: 0x1F\nl: 1_000\nm: 1.0\nnn: 1e3\nr: 9223372036854775807\ns: 18446744073709551615\nt: 123456789012345678901234567890\n",
	"a: -0.0\nb: 0.0000001\nc: 1e21\nd: 1e20\ne: 9223372036854775808.0\nf: -9223372036854775808.0\ng: 2.5\nh: -9223372036854775808\ni: 1152921504606846976.0\n",
	"t: 2001-12-14t21:59:43.10-05:00\nd: 2002-12-14\n",
	"s: |\n  line one\n  line two\n\nf: >-\n  folded\n  text\nk: |+\n  kept\n\n",
	"base: &b {x: 1, z: [a, b]}\nuse: *b\nlist: [*b, *b]\n",
	"m:\n  <<: {a: 1}\n  b: 2\n",
	"bin: !!binary aGVsbG8=\nstr: !!str 123\nf: !!float 1\n",
	"---\n---\na: 1\n...\n---\n~\n---\nb: [1, {c: null}]\n",
	"",
	"# only a comment\n",
	"\"quoted key\": 'single ''quote'''\nplain key: \"esc \\t \\u00e9 \\x41\"\n",
	"a: \"\"\nb: ''\nc:\nd: ~\ne: null\n",
	"long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
}

// TestReadPlainMatchesNodeTree holds the one-pass reader to the node-tree
// reader on everything it takes: the same values, no diagnostics.
func TestReadPlainMatchesNodeTree(t *testing.T) {
	inputs := readPlainCases
	files, _ := filepath.Glob(filepath.Join("..", "helmwrap", "testdata", "charts", "*", "crds", "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		fast, ok := readPlain([]byte(in))
		if !ok {
			t.Errorf("readPlain gave up on %q", in)
			continue
		}
		slow, l := nodeRead([]byte(in))
		if len(l) > 0 {
			t.Errorf("%q: the node-tree reader reports %v", in, l)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%q:\n readPlain %#v\n node tree %#v", in, fast, slow)
		}
	}
}

// TestReadPlainGivesUp: what needs a diagnostic or cannot be one JSON
// object goes to the node-tree reader, which places it.
func TestReadPlainGivesUp(t *testing.T) {
	for _, in := range []string{
		"data:\n  x: 1\n  x: 2\n", // a key written twice
		"1: a\n\"1\": b\n",        // one JSON key for two YAML keys
		"true: a\n",
		"y: [1, 2]\n",        // YAML 1.1: the key is true
		"o: .inf\n",          // not JSON
		"b: !!binary /w==\n", // not UTF-8
		"x: {__kubenixFloat: [1, 2]}\n",
		"- 1\n- two\n",
		"just a string\n",
		"a: b\nc: [\n", // does not parse
		"m:\n  <<: {a: 1}\n  a: 2\n",
	} {
		if _, ok := readPlain([]byte(in)); ok {
			t.Errorf("readPlain took %q", in)
		}
	}
	_, l := ReadDocuments("t.yaml", 10, []byte("data:\n  x: 1\n  x: 2\n"))
	if len(l) != 1 || l[0].Pos.Line != 12 || l[0].Reason != "FieldValueDuplicate" {
		t.Errorf("a duplicate key: %v", l)
	}
}

// FuzzReadPlain: whenever readPlain takes a document, it reads what
// kubectl reads (sigs.k8s.io/yaml's YAMLToJSON). The node-tree reader can
// differ on odd tags (`a: !` is "" to kubectl, null to it), which is why
// this compares with kubectl's reader rather than with it.
func FuzzReadPlain(f *testing.F) {
	for _, c := range readPlainCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fast, ok := readPlain([]byte(in))
		if !ok || len(fast) != 1 {
			return
		}
		j, err := sigsyaml.YAMLToJSON([]byte(in))
		if err != nil {
			t.Fatalf("%q: readPlain took what kubectl refuses: %v", in, err)
		}
		want, err := DecodeJSON(j)
		if err != nil {
			t.Fatal(err)
		}
		if want != nil && !reflect.DeepEqual(fast[0], want) {
			t.Errorf("%q:\n readPlain %#v\n kubectl   %#v", in, fast[0], want)
		}
	})
}
