package helmfidelity

import (
	"strings"
	"testing"
)

// The comparison sees what a user would: a lost final newline, an object
// one side lacks, another template, a number of another value.
func TestDiffFindsEveryDifference(t *testing.T) {
	helm, err := ReadYAML([]byte("---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  s: |\n    x\n  num: \"1\"\n" +
		"---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\n# Source: c/templates/c.yaml\n# only a comment\n"))
	if err != nil {
		t.Fatal(err)
	}
	same := map[string]Object{}
	for k, o := range helm {
		same[k] = o
	}
	if d := Diff(same, helm); len(d) != 0 {
		t.Fatalf("equal renders differ: %v", d)
	}
	kubenix := map[string]Object{
		"v1 ConfigMap <nil>/a": {Source: "c/templates/z.yaml", Body: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "a"}, "data": map[string]any{"s": "x", "num": int64(1)}}},
	}
	got := strings.Join(Diff(kubenix, helm), "\n")
	for _, want := range []string{
		"v1 ConfigMap <nil>/a: kubenix says it comes from c/templates/z.yaml, helm from c/templates/a.yaml",
		`.data.s: differ at byte 1 (of 1 and 2): …"x"[kubenix "" | helm "\n"]""…`,
		`.data.num: kubenix 1, helm "1"`,
		"v1 ConfigMap <nil>/b (from c/templates/b.yaml): helm template renders it, kubenix does not",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the diff does not say %q:\n%s", want, got)
		}
	}
}
