package schema

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/kubenix/kubenix/manifest"
)

// corpusObjects reads every object of the validation corpus, and the CRDs.
func corpusObjects(t testing.TB, s *Set) (*Set, []*manifest.Object) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.yaml"))
	var all []*manifest.Object
	for _, f := range files {
		objs, _ := manifest.ReadFile(f)
		all = append(all, objs...)
	}
	s = s.With(all)
	s.Normalize(all, NormalizeOptions{})
	return s, all
}

// machineryValid runs the full path and reports whether the API server's
// machinery found nothing.
func machineryValid(s *Set, o *manifest.Object, t *Type, c *compiled) bool {
	n := -1
	s.onMachinery = func(k int) { n = k }
	defer func() { s.onMachinery = nil }()
	s.fullCheck(o, t, c, Options{})
	return n == 0
}

// checkFast holds the fast path to its promise on one object: when it
// says valid, the full machinery agrees.
func checkFast(t *testing.T, s *Set, o *manifest.Object, what string) (fast, full bool) {
	t.Helper()
	typ, ok := s.Lookup(o.APIVersion, o.Kind)
	if !ok {
		return false, false
	}
	c, err := typ.schema()
	if err != nil || c == nil || c.fast == nil {
		return false, false
	}
	fast = fastOK(o.Body, c.fast, typ.Namespaced, nameRule(typ))
	full = machineryValid(s, o, typ, c)
	if fast && !full {
		t.Errorf("%s: the fast path accepts %s but the API server's machinery rejects it:\n%s", what, o.ID(), dumpJSON(o.Body))
	}
	return fast, full
}

func TestFastPathNeverAcceptsWhatMachineryRejects(t *testing.T) {
	s, err := NewSet("")
	if err != nil {
		t.Fatal(err)
	}
	s, objs := corpusObjects(t, s)
	var agreeValid, fastOnly, total int
	for _, o := range objs {
		fast, full := checkFast(t, s, o, "corpus")
		total++
		if fast && full {
			agreeValid++
		}
		if full && !fast {
			fastOnly++
		}
	}
	// Mutations of the corpus: each object broken in many small ways.
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 40; round++ {
		for i, o := range objs {
			m := mutate(o, rng)
			if m == nil {
				continue
			}
			checkFast(t, s, m, fmt.Sprintf("mutation %d/%d", round, i))
			total++
		}
	}
	if agreeValid == 0 {
		t.Fatal("the fast path accepted no valid corpus object")
	}
	t.Logf("%d checks; %d valid corpus objects took the fast path, %d valid ones needed the full path", total, agreeValid, fastOnly)
}

// mutate returns a copy of o with one random change somewhere in its body.
func mutate(o *manifest.Object, rng *rand.Rand) *manifest.Object {
	body := deepCopy(o.Body).(map[string]any)
	var spots []func()
	var walk func(x any, set func(any))
	walk = func(x any, set func(any)) {
		switch v := x.(type) {
		case map[string]any:
			spots = append(spots, func() { v[fmt.Sprintf("unknownField%d", rng.IntN(3))] = "x" })
			for k, e := range v {
				k := k
				spots = append(spots, func() { delete(v, k) })
				walk(e, func(n any) { v[k] = n })
			}
		case []any:
			if len(v) > 0 {
				spots = append(spots, func() { set(append(v, deepCopy(v[0]))) })
			}
			for i, e := range v {
				i := i
				walk(e, func(n any) { v[i] = n })
			}
		}
		if set != nil {
			for _, alt := range []any{"", "Not_A-Name!", "x", int64(-1), int64(0), int64(70000), int64(1) << 40, 1.5, true, nil,
				map[string]any{}, []any{}, []any{"a"}, map[string]any{"k": "v"}, "100m", "1Gi", "abc"} {
				alt := alt
				spots = append(spots, func() { set(alt) })
			}
		}
	}
	walk(body, nil)
	if len(spots) == 0 {
		return nil
	}
	spots[rng.IntN(len(spots))]()
	cp := *o
	cp.Body = body
	return &cp
}

func dumpJSON(v any) string {
	b, _ := jsonMarshal(v)
	return string(b)
}
