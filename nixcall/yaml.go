package nixcall

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

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
	b, err := json.Marshal(docs)
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

// parseYAML reads a multi-document YAML string the way kubectl does, into
// the list of its documents.
func parseYAML(s string) ([]any, error) {
	var docs []any
	for _, doc := range splitYAML(s) {
		j, err := sigsyaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("fromYAML: %v", err)
		}
		v, err := manifest.DecodeJSON(j)
		if err != nil {
			return nil, err
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
	if docs == nil {
		docs = []any{}
	}
	return docs, nil
}

func splitYAML(s string) []string {
	var docs []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " \t") == "---" || strings.HasPrefix(line, "--- ") {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(docs, strings.Join(cur, "\n"))
}
