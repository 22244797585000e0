package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The figure of the differential test: per kind and in total, how many
// mutants were compared, how many verdicts agree, the field paths of agreed
// rejections, and every disagreement with its minimal object.

// serverAnswer is the server's answer to one mutant.
type serverAnswer struct {
	code   int // 0: not sent (time was up); -1: no answer
	fields []string
	msg    string
}

// judged: the server's validation answered (admission and other refusals
// are counted apart).
func (v serverAnswer) judged() bool {
	return v.code/100 == 2 || v.code == 422 || v.code == 400
}

type tally struct {
	n, agree, deliberate, lax, strict, other, bothReject, pathAgree int
}

func (t tally) compared() int { return t.n }

func (t *tally) plus(o tally) {
	t.n += o.n
	t.agree += o.agree
	t.deliberate += o.deliberate
	t.lax += o.lax
	t.strict += o.strict
	t.other += o.other
	t.bothReject += o.bothReject
	t.pathAgree += o.pathAgree
}

type disagreement struct {
	m       *mutant
	lax     bool // kubenix accepts what the server rejects
	kubenix []string
	server  string
	minimal map[string]any
}

type figure struct {
	kinds         map[string]*tally
	total         tally
	disagreements []*disagreement
	deliberate    map[string]int // reason -> mutants
	pathDiffs     []string
	others        map[string]int // the server's refusal outside validation -> mutants
}

func newFigure() *figure {
	return &figure{kinds: map[string]*tally{}, deliberate: map[string]int{}, others: map[string]int{}}
}

func kindOf(obj map[string]any) string {
	av, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	return av + "/" + kind
}

func (f *figure) add(m *mutant, r serverAnswer, kubenixFields []string, kubenixRejects bool) {
	k := kindOf(m.obj)
	t := f.kinds[k]
	if t == nil {
		t = &tally{}
		f.kinds[k] = t
	}
	if !r.judged() {
		t.other++
		f.total.other++
		f.others[fmt.Sprintf("%d %s", r.code, shorten(r.msg, 110))]++
		return
	}
	t.n++
	f.total.n++
	serverRejects := r.code/100 != 2
	switch {
	case serverRejects == kubenixRejects:
		t.agree++
		f.total.agree++
		// Field paths: where the server names them (422 Invalid; a 400
		// is a decoding error, which names none).
		if r.code == 422 {
			t.bothReject++
			f.total.bothReject++
			if intersects(kubenixFields, r.fields) {
				t.pathAgree++
				f.total.pathAgree++
			} else {
				f.pathDiffs = append(f.pathDiffs, fmt.Sprintf("%s: kubenix %q, server %q", m.what, kubenixFields, r.fields))
			}
		}
	case deliberateMutant(m, kubenixFields, r.msg) != "":
		t.deliberate++
		f.total.deliberate++
		f.deliberate[deliberateMutant(m, kubenixFields, r.msg)]++
	case serverRejects:
		t.lax++
		f.total.lax++
		f.disagreements = append(f.disagreements, &disagreement{m: m, lax: true, kubenix: kubenixFields, server: r.msg})
	default:
		t.strict++
		f.total.strict++
		f.disagreements = append(f.disagreements, &disagreement{m: m, kubenix: kubenixFields, server: "accepted"})
	}
}

// sendAll sends every mutant to the server as a dry-run create, four at a
// time, until the deadline.
func (c *apiClient) sendAll(t *testing.T, resources map[string]apiResource, mutants []mutant, deadline time.Time) []serverAnswer {
	out := make([]serverAnswer, len(mutants))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				code, fields, msg := c.dryRun(resources, "POST", mutants[i].obj, "")
				out[i] = serverAnswer{code, fields, msg}
			}
		}()
	}
	for i := range mutants {
		if time.Now().After(deadline) {
			t.Logf("time is up after %d mutants", i)
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// updateFigure is the update side: each mutant sent as a dry-run update of
// its seed, created for real, against kubenix's (create) verdict.
type updateFigure struct {
	groups         map[string]*updateTally
	total          updateTally
	onlyOnUpdate   map[string]int // what the server refuses on update only -> mutants
	onlyOnCreate   map[string]int
	seedsNotStored map[string]string
}

type updateTally struct {
	n, agree, serverRejectsOnUpdate, serverAcceptsOnUpdate, other int
}

// updates creates each seed for real, sends each of its mutants as a
// dry-run update of it, and deletes it again (so that no stored object,
// such as a LimitRange, changes what the next seed meets).
func (c *apiClient) updates(t *testing.T, resources map[string]apiResource, seeds []seed, mutants []mutant, kubenixFields map[string][]string, deadline time.Time) *updateFigure {
	f := &updateFigure{groups: map[string]*updateTally{}, onlyOnUpdate: map[string]int{}, onlyOnCreate: map[string]int{}, seedsNotStored: map[string]string{}}
	bySeed := map[string][]int{}
	for i := range mutants {
		if mutants[i].asWritten != nil {
			bySeed[mutants[i].seed] = append(bySeed[mutants[i].seed], i)
		}
	}
	for _, s := range seeds {
		idx := bySeed[s.name]
		if len(idx) == 0 || !resources[kindOf(s.obj)].updatable || time.Now().After(deadline) {
			continue
		}
		obj := clone(s.obj).(map[string]any)
		meta, _ := obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		switch kindOf(obj) {
		case "apiregistration.k8s.io/v1/APIService":
			f.seedsNotStored[s.name] = "not stored: it would register an aggregated API no server behind it serves"
			continue
		case "networking.k8s.io/v1/IPAddress", "apiextensions.k8s.io/v1/CustomResourceDefinition":
			// names that must be what they are (an IP, plural.group)
		default:
			name += "-upd"
		}
		meta["name"] = name
		path, _ := objectPath(resources, obj, "")
		code, b := c.do(t, "POST", path, obj)
		if code/100 != 2 {
			f.seedsNotStored[s.name] = fmt.Sprintf("%d %s", code, shorten(string(b), 200))
			continue
		}
		rv := &resourceVersion{}
		rv.set(b)
		group := groupOf(kindOf(s.obj))
		g := f.groups[group]
		if g == nil {
			g = &updateTally{}
			f.groups[group] = g
		}
		results := make([]serverAnswer, len(idx))
		var wg sync.WaitGroup
		next := make(chan int)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					m := clone(mutants[idx[j]].asWritten).(map[string]any)
					// A conflict: the server changed the stored object
					// (a CRD becomes Established); again, at its version.
					for try := 0; try < 3; try++ {
						if mm, ok := m["metadata"].(map[string]any); ok {
							mm["name"], mm["resourceVersion"] = name, rv.get()
						}
						code, fields, msg := c.dryRun(resources, "PUT", m, name)
						results[j] = serverAnswer{code, fields, msg}
						if code != 409 {
							break
						}
						rv.refresh(c, path+"/"+name)
					}
				}
			}()
		}
		for j := range idx {
			next <- j
		}
		close(next)
		wg.Wait()
		c.do(t, "DELETE", path+"/"+name, nil)
		for j, i := range idx {
			r := results[j]
			if !r.judged() {
				g.other++
				f.total.other++
				continue
			}
			g.n++
			f.total.n++
			_, kubenixRejects := kubenixFields[mutants[i].file]
			serverRejects := r.code/100 != 2
			switch {
			case serverRejects == kubenixRejects:
				g.agree++
				f.total.agree++
			case serverRejects:
				g.serverRejectsOnUpdate++
				f.total.serverRejectsOnUpdate++
				f.onlyOnUpdate[updateReason(r)]++
			default:
				g.serverAcceptsOnUpdate++
				f.total.serverAcceptsOnUpdate++
				f.onlyOnCreate[kindOf(s.obj)+" "+shorten(strings.Join(kubenixFields[mutants[i].file], ", "), 80)]++
			}
		}
	}
	return f
}

// resourceVersion is the stored seed's, shared by the workers.
type resourceVersion struct {
	mu sync.Mutex
	v  string
}

func (r *resourceVersion) set(obj []byte) {
	var stored struct {
		Metadata struct{ ResourceVersion string }
	}
	if json.Unmarshal(obj, &stored) == nil && stored.Metadata.ResourceVersion != "" {
		r.mu.Lock()
		r.v = stored.Metadata.ResourceVersion
		r.mu.Unlock()
	}
}

func (r *resourceVersion) get() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.v
}

func (r *resourceVersion) refresh(c *apiClient, path string) {
	if code, b, err := c.send("GET", path, nil); err == nil && code == 200 {
		r.set(b)
	}
}

// updateReason sums up why the server refuses an update: the message
// without its object name and values.
func updateReason(r serverAnswer) string {
	msg := r.msg
	if i := strings.Index(msg, "is invalid: "); i >= 0 {
		msg = msg[i+len("is invalid: "):]
	}
	switch {
	case strings.Contains(msg, "Forbidden: pod updates may not change fields other than"):
		return "a Pod's spec, which is immutable but for a few fields"
	case strings.Contains(msg, "Forbidden: updates to statefulset spec for fields other than"):
		return "a StatefulSet's spec, immutable but for a few fields"
	case strings.Contains(msg, "Forbidden: spec is immutable after creation except resources.requests"):
		return "a PersistentVolumeClaim's spec, immutable but for its requests"
	case strings.Contains(msg, "may not change podCIDR"):
		return "a Node's podCIDR, set once"
	case strings.Contains(msg, "field is immutable"), strings.Contains(msg, "Forbidden: may not be updated"),
		strings.Contains(msg, "Forbidden: may not be changed in an update"), strings.Contains(msg, "is immutable after creation"),
		strings.Contains(msg, "forbidden."):
		return "a field that is immutable after create"
	}
	return shorten(msg, 120)
}

func groupOf(kind string) string {
	parts := strings.Split(kind, "/")
	if len(parts) == 2 {
		return "core"
	}
	return parts[0]
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

// minimise makes each disagreement's object as small as it goes: fields
// are dropped, largest first, while kubenix and the server still disagree
// the same way. Bounded in time.
func (f *figure) minimise(t *testing.T, c *apiClient, resources map[string]apiResource, dir, kubeVersion string) {
	deadline := time.Now().Add(2 * time.Minute)
	work := filepath.Join(dir, "minimise")
	os.MkdirAll(work, 0o755)
	for n, d := range f.disagreements {
		if n >= 40 || time.Now().After(deadline) {
			break
		}
		obj := clone(d.m.obj).(map[string]any)
		stillSo := func(o map[string]any) bool {
			file := filepath.Join(work, "m.json")
			b, _ := json.Marshal(o)
			os.WriteFile(file, b, 0o644)
			_, kubenixRejects := kubenixVerdicts(t, work, kubeVersion)[file]
			code, _, _ := c.dryRun(resources, "POST", o, "")
			if !(serverAnswer{code: code}).judged() {
				return false
			}
			return kubenixRejects != d.lax && (code/100 != 2) == d.lax
		}
		for changed := true; changed && time.Now().Before(deadline); {
			changed = false
			for _, p := range fieldPaths(obj) {
				try := clone(obj).(map[string]any)
				if !deleteIfThere(try, p) {
					continue
				}
				if stillSo(try) {
					obj, changed = try, true
					break
				}
			}
		}
		d.minimal = obj
	}
}

// fieldPaths lists the paths of an object's fields, outermost first, but
// not those that name the object.
func fieldPaths(obj map[string]any) [][]any {
	var out [][]any
	var walk func(path []any, v any)
	walk = func(path []any, v any) {
		switch p := pathString(path); p {
		case "apiVersion", "kind", "metadata.name", "metadata.namespace":
			return
		case "", "metadata":
		default:
			out = append(out, slices.Clone(path))
		}
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(append(slices.Clone(path), k), x[k])
			}
		case []any:
			for i := len(x) - 1; i >= 0; i-- {
				walk(append(slices.Clone(path), i), x[i])
			}
		}
	}
	walk(nil, obj)
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) < len(out[j]) })
	return out
}

// deleteIfThere drops the field or list entry at path.
func deleteIfThere(obj map[string]any, path []any) bool {
	parent := parentOf(obj, path)
	switch x := path[len(path)-1].(type) {
	case string:
		m, ok := parent.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m[x]; !ok {
			return false
		}
		delete(m, x)
		return true
	case int:
		l, ok := parent.([]any)
		if !ok || x >= len(l) {
			return false
		}
		setAt(obj, path[:len(path)-1], slices.Delete(slices.Clone(l), x, x+1))
		return true
	}
	return false
}

// report is the figure as Markdown.
func (f *figure) report(kubeVersion string, seeds int, rejectedSeeds map[string]string, u *updateFigure) string {
	var b strings.Builder
	pct := func(a, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(n))
	}
	row := func(name string, t tally) {
		fmt.Fprintf(&b, "| %s | %d | %d (%s) | %d | %d | %d | %d of %d (%s) | %d |\n", name, t.n, t.agree, pct(t.agree, t.n), t.deliberate, t.lax, t.strict,
			t.pathAgree, t.bothReject, pct(t.pathAgree, t.bothReject), t.other)
	}
	head := "| %s | mutants | verdicts agree | deliberate | kubenix accepts, server rejects | kubenix rejects, server accepts | field paths agree (agreed 422s) | admission or other |\n|---|---|---|---|---|---|---|---|\n"
	fmt.Fprintf(&b, "# kubenix check against kube-apiserver %s: create\n\n%d seeds (%d objects the server rejects as seeds, listed at the end)\n\n", kubeVersion, seeds, len(rejectedSeeds))
	groups := map[string]*tally{}
	kinds := slices.Sorted(mapKeys(f.kinds))
	for _, k := range kinds {
		g := groups[groupOf(k)]
		if g == nil {
			g = &tally{}
			groups[groupOf(k)] = g
		}
		g.plus(*f.kinds[k])
	}
	fmt.Fprintf(&b, head, "group")
	for _, g := range slices.Sorted(mapKeys(groups)) {
		row(g, *groups[g])
	}
	row("**total**", f.total)
	fmt.Fprintf(&b, "\n"+head, "kind")
	for _, k := range kinds {
		row(k, *f.kinds[k])
	}
	fmt.Fprintf(&b, "\n## Disagreements (%d)\n\n", len(f.disagreements))
	for _, d := range f.disagreements {
		way := "kubenix rejects (" + strings.Join(d.kubenix, ", ") + "), the server accepts"
		if d.lax {
			way = "KUBENIX ACCEPTS, the server rejects: " + d.server
		}
		fmt.Fprintf(&b, "- %s: %s\n", d.m.what, way)
		if d.minimal != nil {
			j, _ := json.Marshal(d.minimal)
			fmt.Fprintf(&b, "  minimal: `%s`\n", j)
		}
	}
	fmt.Fprintf(&b, "\n## Deliberate differences\n\n")
	for _, r := range slices.Sorted(mapKeys(f.deliberate)) {
		fmt.Fprintf(&b, "- %d: %s\n", f.deliberate[r], r)
	}
	fmt.Fprintf(&b, "\n## Field paths that differ (%d)\n\n", len(f.pathDiffs))
	sort.Strings(f.pathDiffs)
	for _, p := range f.pathDiffs {
		fmt.Fprintf(&b, "- %s\n", p)
	}
	fmt.Fprintf(&b, "\n## Refused outside validation (admission and other)\n\n")
	for _, r := range slices.Sorted(mapKeys(f.others)) {
		fmt.Fprintf(&b, "- %d: %s\n", f.others[r], r)
	}
	fmt.Fprintf(&b, "\n## Seeds the server rejects\n\n")
	for _, s := range slices.Sorted(mapKeys(rejectedSeeds)) {
		fmt.Fprintf(&b, "- %s: %s\n", s, shorten(rejectedSeeds[s], 300))
	}
	if u != nil {
		fmt.Fprintf(&b, "\n# Update: each mutant as a dry-run update of its seed, against kubenix's verdict\n\n")
		fmt.Fprintf(&b, "| group | mutants | verdicts agree | server rejects on update only | server accepts on update only | admission or other |\n|---|---|---|---|---|---|\n")
		urow := func(name string, t updateTally) {
			fmt.Fprintf(&b, "| %s | %d | %d (%s) | %d | %d | %d |\n", name, t.n, t.agree, pct(t.agree, t.n), t.serverRejectsOnUpdate, t.serverAcceptsOnUpdate, t.other)
		}
		for _, g := range slices.Sorted(mapKeys(u.groups)) {
			urow(g, *u.groups[g])
		}
		urow("**total**", u.total)
		fmt.Fprintf(&b, "\nWhat the server refuses on update only:\n\n")
		for _, r := range slices.Sorted(mapKeys(u.onlyOnUpdate)) {
			fmt.Fprintf(&b, "- %d: %s\n", u.onlyOnUpdate[r], r)
		}
		fmt.Fprintf(&b, "\nWhat kubenix refuses that the server accepts on update:\n\n")
		for _, r := range slices.Sorted(mapKeys(u.onlyOnCreate)) {
			fmt.Fprintf(&b, "- %d: %s\n", u.onlyOnCreate[r], r)
		}
		for _, s := range slices.Sorted(mapKeys(u.seedsNotStored)) {
			fmt.Fprintf(&b, "- seed %s could not be stored: %s\n", s, u.seedsNotStored[s])
		}
	}
	return b.String()
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
