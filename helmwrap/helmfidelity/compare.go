package helmfidelity

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/manifest"
)

// Object is one rendered object and the template it came from.
type Object struct {
	Source string // chart-relative: gen4/templates/f1-blocks.yaml ("" when not known)
	Body   any    // as manifest.DecodeJSON reads its JSON
}

// Canonical is a value as manifest.DecodeJSON reads its JSON, so that two
// readers' values compare equal when their JSON does.
func Canonical(v any) (any, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return manifest.DecodeJSON(j)
}

// Key names an object: apiVersion, kind, namespace/name.
func Key(body any) string {
	m, _ := body.(map[string]any)
	meta, _ := m["metadata"].(map[string]any)
	return fmt.Sprintf("%v %v %v/%v", m["apiVersion"], m["kind"], meta["namespace"], meta["name"])
}

// ReadYAML reads a YAML stream as kubectl reads it (documents split at
// "---" lines, each document's text untouched), each object with the
// "# Source:" comment helm template prints above it (or the last one).
func ReadYAML(out []byte) (map[string]Object, error) {
	objs := map[string]Object{}
	source := ""
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		d, err := r.Read()
		if err == io.EOF {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		// The reader keeps a "---" line that starts a document: the
		// "# Source:" comment is the first line that is not one.
		for _, line := range strings.Split(string(d), "\n") {
			if s, ok := strings.CutPrefix(line, "# Source: "); ok {
				source = s
			}
			if strings.TrimSpace(line) != "---" {
				break
			}
		}
		j, err := sigsyaml.YAMLToJSON(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		if string(j) == "null" {
			continue
		}
		body, err := manifest.DecodeJSON(j)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		k := Key(body)
		if _, dup := objs[k]; dup {
			return nil, fmt.Errorf("%s: %s twice", source, k)
		}
		objs[k] = Object{Source: source, Body: body}
	}
}

// Diff compares kubenix's objects (got) with helm's (want) and describes
// each difference: an object only one has, another source template, and
// every field whose values differ, with its path and, for strings, where
// they first differ. Sources are compared when both are known.
func Diff(got, want map[string]Object) []string {
	var out []string
	for _, k := range sortedKeys(got, want) {
		g, inG := got[k]
		w, inW := want[k]
		switch {
		case !inW:
			out = append(out, fmt.Sprintf("%s (from %s): kubenix renders it, helm template does not", k, g.Source))
		case !inG:
			out = append(out, fmt.Sprintf("%s (from %s): helm template renders it, kubenix does not", k, w.Source))
		default:
			if g.Source != "" && w.Source != "" && g.Source != w.Source {
				out = append(out, fmt.Sprintf("%s: kubenix says it comes from %s, helm from %s", k, g.Source, w.Source))
			}
			if diffs := ValueDiffs("", g.Body, w.Body); len(diffs) > 0 {
				out = append(out, fmt.Sprintf("%s (from %s) differs:\n  %s", k, w.Source, strings.Join(diffs, "\n  ")))
			}
		}
	}
	return out
}

func sortedKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// ValueDiffs lists the fields where kubenix's value (got) and helm's
// (want) differ, each with its path and, for strings, the first place
// they differ.
func ValueDiffs(path string, got, want any) []string {
	if path == "" {
		path = "."
	}
	mismatch := func() []string {
		return []string{fmt.Sprintf("%s: kubenix %s, helm %s", path, short(got), short(want))}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch()
		}
		var out []string
		for _, k := range sortedKeys(g, w) {
			p := strings.TrimSuffix(path, ".") + "." + k
			gv, inG := g[k]
			wv, inW := w[k]
			switch {
			case !inG:
				out = append(out, fmt.Sprintf("%s: missing in kubenix's, helm has %s", p, short(wv)))
			case !inW:
				out = append(out, fmt.Sprintf("%s: kubenix has %s, missing in helm's", p, short(gv)))
			default:
				out = append(out, ValueDiffs(p, gv, wv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return mismatch()
		}
		var out []string
		for i := range w {
			out = append(out, ValueDiffs(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])...)
		}
		return out
	case string:
		g, ok := got.(string)
		if !ok {
			return mismatch()
		}
		if g != w {
			return []string{path + ": " + StringDiff(g, w)}
		}
		return nil
	default:
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if !bytes.Equal(gj, wj) {
			return mismatch()
		}
		return nil
	}
}

// StringDiff shows where two strings first differ, with some context.
func StringDiff(got, want string) string {
	p := 0
	for p < len(got) && p < len(want) && got[p] == want[p] {
		p++
	}
	s := 0
	for s < len(got)-p && s < len(want)-p && got[len(got)-1-s] == want[len(want)-1-s] {
		s++
	}
	from := max(0, p-20)
	return fmt.Sprintf("differ at byte %d (of %d and %d): …%q[kubenix %q | helm %q]%q…",
		p, len(got), len(want), got[from:p], got[p:len(got)-s], want[p:len(want)-s], got[len(got)-s:min(len(got), len(got)-s+20)])
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}
