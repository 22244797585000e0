package manifest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// generatedCRDs is a stream of CRDs shaped like controller-gen's output: deep
// schemas, block-scalar and plain descriptions, enums, numbers, quoted
// patterns, flow names, comments.
func generatedCRDs(crds, depth int) string {
	var b strings.Builder
	var field func(indent string, depth int)
	field = func(indent string, depth int) {
		fmt.Fprintf(&b, "%sdescription: |-\n%s  Describes what this field configures.\n%s  More info: https://example.com/docs#fields\n\n%s  Defaults to \"x\".\n", indent, indent, indent, indent)
		if depth == 0 {
			fmt.Fprintf(&b, "%stype: string\n%spattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'\n%smaxLength: 253\n%senum:\n%s- Always\n%s- \"IfNotPresent\"\n%s- 'Never'\n", indent, indent, indent, indent, indent, indent, indent)
			return
		}
		fmt.Fprintf(&b, "%stype: object\n%sx-kubernetes-preserve-unknown-fields: true\n%srequired:\n%s  - field0\n%sproperties:\n", indent, indent, indent, indent, indent)
		for i := range 3 {
			fmt.Fprintf(&b, "%s  field%d: # field %d\n", indent, i, i)
			field(indent+"    ", depth-1)
		}
		fmt.Fprintf(&b, "%s  ratio:\n%s    type: number\n%s    minimum: 0.5\n%s    default: 1e3\n%s    exclusiveMaximum: false\n", indent, indent, indent, indent, indent)
	}
	for n := range crds {
		fmt.Fprintf(&b, "---\n# Source: crds/thing%d.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    controller-gen.kubebuilder.io/version: v0.16.1\n  name: thing%ds.example.com\n", n, n)
		fmt.Fprintf(&b, "spec:\n  group: example.com\n  names: {kind: Thing%d, plural: thing%ds, shortNames: [t%d, th]}\n  scope: Namespaced\n  versions:\n  - additionalPrinterColumns:\n    - jsonPath: .status.phase\n      name: Phase\n      type: string\n    name: v1\n    served: true\n    storage: yes\n    subresources:\n      status: {}\n    schema:\n      openAPIV3Schema:\n", n, n, n)
		field("        ", depth)
	}
	return b.String()
}

// blockYAMLCases are streams the block reader must read as go-yaml does.
var blockYAMLCases = []string{
	"a: yes\nb: on\nc: off\nd: y\ne: No\nf: NULL\ng: ~\nh: Off\ni: nope\nj: TRUE\nk: tRUE\n",
	"i: 012\nj: 0o12\nk: 0x1F\nl: 1_000\nm: 1.0\nnn: 1e3\nr: 9223372036854775807\ns: 18446744073709551615\nt: 123456789012345678901234567890\nu: -0\nv: +1\nw: 0b101\nx: .5\nyy: 1.\nz: 00\n",
	"a: -0.0\nb: 0.0000001\nc: 1e21\nd: 1e20\ne: 9223372036854775808.0\ng: 2.5\nh: -9223372036854775808\ni: 1152921504606846976.0\nj: 999999999999999999\nk: -999999999999999999\n",
	"t: 2001-12-14t21:59:43.10-05:00\nd: 2002-12-14\ne: 2002-1-1 1:2:3\nv: 1.2.3\nw: 10%\nx: 1h\n",
	"s: |\n  line one\n  line two\n\nf: >-\n  folded\n  text\n\n\n  more\nk: |+\n  kept\n\n",
	"s: |\n    indented\n      more\n    # not a comment\n\n\n  # a comment\nt: |-\n  x\n",
	"a: |\n  no final newline",
	"a: |+\n  x\n  \n",
	"a: >\n  x\n\n",
	"---\n---\na: 1\n---\n# only a comment\n---\nb: [1, {c: null}]\n",
	"",
	"# only a comment\n",
	"\"quoted key\": 'single ''quote'''\nplain key: \"esc \\t \\u00e9 \\x41 \\\" \\\\ \\' \\N \\_ \\U0001F600\"\n'': \"\"\n",
	"a: \"\"\nb: ''\nc:\nd: ~\ne: null\nf: \"# not\" # but this\ng: a#b\nh: a #b\n",
	"list:\n- a\n- b: 1\n  c: 2\n-\n-\n  d: 3\nnext: 1\n",
	"m:\n  - name: a\n    value: |\n      text\n  - \"k\": v\n    'l': w\n  - [a, 'b c', \"d\"]\n  - {}\n  - []\n",
	"  indented: 1\n  top: 2\n",
	"a:\n  b:\n    c:\n  d: 1\n",
	"url: http://example.com:8080/x\nk:v: 1\n-x: -y\n",
	"key with spaces: value with spaces\nénorme: ünïcode ✓ 😀\n",
	"a: 1 # comment\n# comment\n   # indented comment\nb: 2\n",
	"---   \na: 1\n",
	"a: |\n  x\n---\nb: 2\n",
	"a: plain   \n   continued  \n\n  after an empty line # comment\nb: x\n   y\n  z\n",
	"s:\n- one\n  two\n- k: three\n    four\n  l: five\n   six\n",
	"a: 'it''s\n  quoted ''twice''  \n\n\n   and # not a comment\n '\nb: '\n  x  '\nc: 'y\n  '\n",
	"s:\n- q: 'end\n    ' # comment\n  r: 12\n    34\n",
	"a: yes\n  no\nb: 1.5\n  e3\nc: on\n  off\n",
	generatedCRDs(2, 2), // last: too large a seed for the fuzzer to minimize

}

// TestBlockYAMLMatchesGoYAML: what the block reader takes it reads as
// go-yaml and jsonValue read it, and it takes all of these.
func TestBlockYAMLMatchesGoYAML(t *testing.T) {
	for _, in := range blockYAMLCases {
		want, ok := readPlainYAML([]byte(in))
		if !ok {
			t.Errorf("go-yaml refuses %q", in)
			continue
		}
		got, ok := readBlockYAML([]byte(in))
		if !ok {
			t.Errorf("readBlockYAML gave up on %q", in)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n block  %#v\n go-yaml %#v", in, got, want)
		}
	}
}

// TestBlockYAMLGivesUp: what the block reader does not read with
// certainty goes to go-yaml, whether go-yaml takes it or not.
func TestBlockYAMLGivesUp(t *testing.T) {
	for _, in := range []string{
		"a: &x 1\nb: *x\n",
		"a: !!str 1\n",
		"a: !t x\n",
		"a: !important\n",
		"- - x\n",
		"a: \"\\/\"\n",
		"%YAML 1.1\n---\na: 1\n",
		"a: 1\n...\n",
		"a:\tb\n",
		"a: b\r\n",
		"\ufeffa: 1\n",
		"a: \x01\n",
		"a: \u2028\n",
		"? a\n: b\n",
		"a: plain\n  continued: no\n",
		"a: plain\n  - continued\n",
		"a: plain # comment\n  continued\n",
		"a: plain\n  # comment\n  continued\n",
		"a: 'quoted\ncontinued'\n",
		"- 'quoted\ncontinued'\n",
		"a: 'quoted\n  never closed\n",
		"a: 'quoted\n  closed' x\n",
		"a: \"quoted\n  continued\"\n",
		"a: {b: [1, 2], c: d e}\n",
		"a: [1, 2,]\n",
		"a: {b:1}\n",
		"a: [\n  1]\n",
		"a: |2\n   x\n",
		"a: |\n\n  x\n",
		"a: |\nb: 1\n",
		"a: >\n  x\n    more\n",
		"a: |\n  x\n    \n",
		"a: 1\na: 2\n",
		"a: 1\n'a': 2\n",
		"1: a\n",
		"yes: a\n",
		"~: a\n",
		"<<: {a: 1}\n",
		"'<<': 1\n",
		FloatKey + ": [1, 2]\n",
		"a: .inf\n",
		"a: .nan\n",
		"- 1\n",
		"just a string\n",
		"a: b: c\n",
		"a:\n  b: 1\n c: 2\n",
		"a: 1\n  b: 2\n",
		"a:\n  - x\n  y: 1\n",
		"a: \"\\q\"\n",
		"a: \"\\ud800\"\n",
		"a: 'x'y\n",
		"a: - b\n",
		"--- a: 1\n",
		strings.Repeat("k", 1100) + ": 1\n",
		"a: @x\n",
		"a: `x`\n",
		"a: %x\n",
	} {
		if docs, ok := readBlockYAML([]byte(in)); ok {
			t.Errorf("readBlockYAML took %q: %#v", in, docs)
		}
	}
}

// FuzzBlockYAML: whenever the block reader takes a stream, go-yaml takes
// it too and reads the same values.
func FuzzBlockYAML(f *testing.F) {
	for _, c := range blockYAMLCases[:len(blockYAMLCases)-1] {
		f.Add(c)
	}
	for _, c := range readPlainCases {
		f.Add(c)
	}
	f.Add(generatedCRDs(1, 1))
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := readBlockYAML([]byte(in))
		if !ok {
			return
		}
		want, ok := readPlainYAML([]byte(in))
		if !ok {
			t.Fatalf("%q: readBlockYAML took what go-yaml refuses: %#v", in, got)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n block   %#v\n go-yaml %#v", in, got, want)
		}
	})
}

// BenchmarkReadCRDs: a chart's crds/ read by the block reader and by
// go-yaml.
func BenchmarkReadCRDs(b *testing.B) {
	data := []byte(generatedCRDs(20, 4))
	for _, r := range []struct {
		name string
		read func([]byte) ([]any, bool)
	}{{"block", readBlockYAML}, {"go-yaml", readPlainYAML}} {
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for range b.N {
				if _, ok := r.read(data); !ok {
					b.Fatal("gave up")
				}
			}
		})
	}
}
