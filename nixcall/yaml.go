package nixcall

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/manifest"
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
	return newReply(b), nil
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
