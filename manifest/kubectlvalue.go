package manifest

import (
	"strconv"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// kubectlValue converts a document the way kubectl does: YAML to JSON with
// sigs.k8s.io/yaml (whose reader is yaml.v2, with YAML 1.1's scalars), then
// to kubenix's value model.
//
// Most documents are mappings, sequences and scalars with no tag, anchor
// or merge key, and most of their scalars are quoted or are plain words:
// those are converted directly from the parsed nodes, which is many times
// faster than writing the document out again and reading it back, and
// allocates a fraction of it. Anything else (a number written in one of
// YAML 1.1's notations, a timestamp, an alias, a tag, a key that is not a
// string) takes the way kubectl takes, so the values are the same
// (FuzzKubectlValue holds the two ways to each other).
func kubectlValue(n *kyaml.Node) (any, error) {
	if v, ok := directValue(n, 0, false); ok {
		return v, nil
	}
	return viaJSON(n)
}

// maxDirectDepth leaves deeply nested documents to viaJSON, which reports
// the nesting it refuses.
const maxDirectDepth = 500

// directValue converts n when every node under it can be converted without
// YAML 1.1's resolution rules; ok is false otherwise.
func directValue(n *kyaml.Node, depth int, flow bool) (any, bool) {
	if depth > maxDirectDepth || n.Anchor != "" || n.Style&kyaml.TaggedStyle != 0 {
		return nil, false
	}
	flow = flow || n.Style&kyaml.FlowStyle != 0
	switch n.Kind {
	case kyaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key, ok := directValue(k, depth+1, flow)
			s, isString := key.(string)
			if !ok || !isString || k.Kind != kyaml.ScalarNode {
				return nil, false // a merge key, or a key kubectl turns into a string
			}
			val, ok := directValue(v, depth+1, flow)
			if !ok {
				return nil, false
			}
			m[s] = val
		}
		return m, true
	case kyaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, ok := directValue(c, depth+1, flow)
			if !ok {
				return nil, false
			}
			l[i] = v
		}
		return l, true
	case kyaml.ScalarNode:
		if n.Style&(kyaml.DoubleQuotedStyle|kyaml.SingleQuotedStyle|kyaml.LiteralStyle|kyaml.FoldedStyle) != 0 {
			return n.Value, true
		}
		if n.Value == "" && flow {
			return nil, false // kubectl's way reads {a: } as {a: ""}
		}
		return plainValue(n.Value)
	}
	return nil, false // an alias, or a node of no kind
}

// plainValue is what yaml.v2 makes of a plain scalar, when it can be told
// without yaml.v2's rules for numbers and timestamps (ok is false
// otherwise): yaml.v2 reads a few words as booleans and null, tries
// numbers and timestamps only on scalars that start with a digit, a sign or
// a dot, and reads anything else as a string.
func plainValue(s string) (any, bool) {
	if s == "" {
		return nil, true
	}
	if v, ok := yaml11Scalars[s]; ok {
		return v, ok
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		if n, ok := decimal(s); ok {
			return n, true
		}
		if mayBeNumber(s) {
			return nil, false
		}
	case s == "<<":
		return nil, false // the merge key
	}
	return s, true
}

// yaml11Scalars are the plain scalars yaml.v2 reads as a boolean or null
// (its other special words, .inf and .nan, are numbers).
var yaml11Scalars = map[string]any{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"true": true, "True": true, "TRUE": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
	"false": false, "False": false, "FALSE": false,
	"~": nil, "null": nil, "Null": nil, "NULL": nil,
}

// mayBeNumber reports whether yaml.v2 might read the plain scalar s, which
// starts with a digit, a sign or a dot, as something other than a string:
// a superset of what its rules accept (Go's number parsers, with and
// without underscores; binary; .inf and .nan; a timestamp's year).
func mayBeNumber(s string) bool {
	lower := strings.ToLower(s)
	if strings.Contains(lower, "inf") || strings.Contains(lower, "nan") || strings.Contains(s, "0b") {
		return true
	}
	if len(s) > 4 && s[4] == '-' {
		return true // perhaps a timestamp: yaml.v2 then keeps the text, but let it say so
	}
	for _, p := range []string{s, strings.ReplaceAll(s, "_", "")} {
		if _, err := strconv.ParseInt(p, 0, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseUint(p, 0, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseFloat(p, 64); err == nil {
			return true
		}
	}
	return false
}

// decimal reads a plain decimal integer, perhaps negative, without a plus
// sign, leading zeros or underscores, of at most 18 digits (so it fits an
// int64): the common case of the numbers yaml.v2 reads, told without its
// rules.
func decimal(s string) (int64, bool) {
	digits, sign := s, int64(1)
	if strings.HasPrefix(s, "-") {
		digits, sign = s[1:], -1
	}
	if len(digits) == 0 || len(digits) > 18 || digits[0] == '0' && len(digits) > 1 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return sign * n, true
}
