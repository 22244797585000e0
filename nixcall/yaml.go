package nixcall

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/secrets"
)

// parseYAMLCall answers yaml.parse: kubenix.fromYAML's documents.
func parseYAMLCall(_ context.Context, _ *Server, a args) (*reply, error) {
	if a.YAML == nil || a.Render != nil {
		return nil, fmt.Errorf("yaml.parse takes a yaml string only")
	}
	docs, err := parseYAML(*a.YAML)
	if err != nil {
		return nil, err
	}
	b, err := nixJSON(docs)
	if err != nil {
		return nil, err
	}
	rep := newReply(b)
	rep.private = holdsPlaintext(docs) // like a chart's render: never in the cache
	return rep, nil
}

// holdsPlaintext reports whether a parsed value holds, at any depth (a
// List's items, a tree of documents), a Secret with a value in plain text.
func holdsPlaintext(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		if secrets.IsPlaintextSecret(v) {
			return true
		}
		for _, x := range v {
			if holdsPlaintext(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if holdsPlaintext(x) {
				return true
			}
		}
	}
	return false
}

// parseYAML reads a multi-document YAML string as manifest files are read
// (kubectl's values; a key written twice is an error), into the list of
// its documents. An error names the line and column in the string; the
// evaluation places it at the call.
func parseYAML(s string) ([]any, error) {
	docs, l := manifest.ReadDocuments("", 1, []byte(s))
	for _, d := range l {
		if d.Severity != diag.Error {
			continue
		}
		at := fmt.Sprintf("line %d", d.Pos.Line)
		if d.Pos.Col > 0 {
			at += fmt.Sprintf(", column %d", d.Pos.Col)
		}
		return nil, fmt.Errorf("fromYAML: %s of the YAML: %s", at, strings.TrimPrefix(d.Message, "YAML: "))
	}
	for i, d := range docs {
		if field, ok := nulField(d, ""); ok {
			return nil, fmt.Errorf("fromYAML: document %d: %s %s", i+1, field, nulMessage)
		}
	}
	if docs == nil {
		docs = []any{}
	}
	return docs, nil
}
