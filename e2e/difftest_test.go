package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/manifest"
)

// The differential test: mutants of the valid objects of the validation
// corpus and of the examples' builds, each sent to `kubenix check` and to
// the API server (a dry-run create with strict field validation, as kubectl
// apply sends), and the verdicts compared. The mutants are made at test time
// with a fixed seed: each field dropped, emptied, given boundary numbers and
// bad strings, each list's first entry twice, each object an invalid key,
// and an unknown field. KUBENIX_DIFFTEST_MUTANTS sets how many are sent
// (default 300, 0 = all). It fails on any verdict that differs outside the
// deliberate differences, and when fewer than 95% of the field paths of
// agreed rejections agree.
func TestDifferentialAgainstServer(t *testing.T) {
	needCluster(t)
	limit := 300
	if v := os.Getenv("KUBENIX_DIFFTEST_MUTANTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("KUBENIX_DIFFTEST_MUTANTS=%q: %v", v, err)
		}
		limit = n
	}
	api := newAPIClient(t)
	resources := api.discover(t)
	seeds := append(corpusSeeds(t, resources), exampleSeeds(t, resources)...)
	if len(seeds) < 10 {
		t.Fatalf("only %d seed objects", len(seeds))
	}
	var mutants []mutant
	for _, s := range seeds {
		mutants = append(mutants, mutate(s)...)
	}
	rand.New(rand.NewSource(13)).Shuffle(len(mutants), func(i, j int) { mutants[i], mutants[j] = mutants[j], mutants[i] })
	if limit > 0 && len(mutants) > limit {
		mutants = mutants[:limit]
	}
	// The namespaces and default service accounts exist, so that only
	// validation can reject.
	for _, ns := range namespacesOf(seeds) {
		api.ensure(t, "/api/v1/namespaces", map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}})
		api.ensure(t, "/api/v1/namespaces/"+ns+"/serviceaccounts", map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "default", "namespace": ns}})
	}

	dir := t.TempDir()
	for i := range mutants {
		m := &mutants[i]
		m.file = filepath.Join(dir, fmt.Sprintf("m%05d.json", i))
		// A name of its own, so that kubenix sees no duplicate objects.
		if meta, ok := m.obj["metadata"].(map[string]any); ok {
			if name, ok := meta["name"].(string); ok {
				meta["name"] = fmt.Sprintf("%s-m%d", name, i)
			}
		}
		b, _ := json.MarshalIndent(m.obj, "", "  ")
		if err := os.WriteFile(m.file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kubenixFields := kubenixVerdicts(t, dir)

	deadline := time.Now().Add(10 * time.Minute)
	var agree, pathAgree, bothReject, kubenixLax, kubenixStrict, deliberateN, other int
	var report []string
	for i := range mutants {
		if time.Now().After(deadline) {
			t.Logf("time is up after %d mutants", i)
			mutants = mutants[:i]
			break
		}
		m := &mutants[i]
		code, causes, msg := api.dryRunCreate(t, resources, m.obj)
		kf, kubenixRejects := kubenixFields[m.file]
		switch {
		case code/100 == 2 || code == 422 || code == 400:
		default:
			other++
			report = append(report, fmt.Sprintf("  admission or other (%d) %s: %s", code, m.what, msg))
			continue
		}
		serverRejects := code/100 != 2
		if serverRejects == kubenixRejects {
			agree++
			// Field paths: where the server names them (422 Invalid; a 400
			// is a decoding error, which names none).
			if code == 422 {
				bothReject++
				if intersects(kf, causes) {
					pathAgree++
				} else {
					report = append(report, fmt.Sprintf("  field paths differ %s: kubenix %q, server %q", m.what, kf, causes))
				}
			}
			continue
		}
		if reason := deliberateMutant(m, kf); reason != "" && !serverRejects {
			deliberateN++
			report = append(report, fmt.Sprintf("  deliberate (%s): %s", reason, m.what))
			continue
		}
		if serverRejects {
			kubenixLax++
			report = append(report, fmt.Sprintf("  KUBENIX ACCEPTS, server rejects %s: %s", m.what, msg))
		} else {
			kubenixStrict++
			report = append(report, fmt.Sprintf("  kubenix rejects %q, server accepts %s", kf, m.what))
		}
	}
	compared := len(mutants) - other
	sort.Strings(report)
	t.Logf("%d seeds, %d mutants compared (%d not judged by validation): verdicts agree on %d (%.1f%%), %d deliberately differ; "+
		"kubenix accepts what the server rejects: %d; kubenix rejects what the server accepts: %d; "+
		"field paths agree on %d of %d agreed rejections the server names fields of\n%s",
		len(seeds), compared, other, agree, 100*float64(agree)/float64(max(1, compared)), deliberateN, kubenixLax, kubenixStrict,
		pathAgree, bothReject, strings.Join(report, "\n"))
	if kubenixLax > 0 {
		t.Errorf("kubenix accepts %d mutants the API server rejects (the list above)", kubenixLax)
	}
	if kubenixStrict > 0 {
		t.Errorf("kubenix rejects %d mutants the API server accepts, outside the deliberate differences (the list above)", kubenixStrict)
	}
	if bothReject > 0 && pathAgree*100 < bothReject*95 {
		t.Errorf("field paths agree on %d of %d agreed rejections: below 95%%", pathAgree, bothReject)
	}
}

// deliberateMutant says why kubenix rejects a mutant the server accepts on
// purpose, or "".
func deliberateMutant(m *mutant, kubenixFields []string) string {
	if reason := versionDifferenceOf(kubenixFields); reason != "" {
		return reason
	}
	for _, f := range kubenixFields {
		if strings.HasSuffix(f, ".image") && strings.Contains(m.what, ".image = ") {
			return "an image reference that does not parse: kubenix pins images and refuses what no registry can serve"
		}
	}
	return ""
}

type mutant struct {
	what string // the seed and the mutation, for the report
	obj  map[string]any
	file string
}

type seed struct {
	name string // corpus case and object
	obj  map[string]any
}

// corpusSeeds are the objects of the corpus cases kubenix and the server
// both accept, of kinds the server serves.
func corpusSeeds(t *testing.T, resources map[string]apiResource) []seed {
	files, _ := filepath.Glob(filepath.Join(repoRoot(), "schema", "testdata", "corpus", "*.yaml"))
	var out []seed
	for _, f := range files {
		src, _ := os.ReadFile(f)
		if !strings.HasPrefix(string(src), "# expect: valid") || crdKind.Match(src) {
			continue
		}
		if _, known := deliberate[strings.TrimSuffix(filepath.Base(f), ".yaml")]; known {
			continue
		}
		for i, doc := range docSep.Split(string(src), -1) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
				continue
			}
			av, _ := obj["apiVersion"].(string)
			kind, _ := obj["kind"].(string)
			if _, ok := resources[av+"/"+kind]; !ok {
				continue
			}
			out = append(out, seed{name: fmt.Sprintf("%s#%d", strings.TrimSuffix(filepath.Base(f), ".yaml"), i), obj: obj})
		}
	}
	return out
}

// exampleSeeds are the objects of every example's build (charts
// included), of kinds the server serves.
func exampleSeeds(t *testing.T, resources map[string]apiResource) []seed {
	work := t.TempDir()
	var out []seed
	for _, v := range exampleVariants(t) {
		dir := filepath.Join(work, v.Name)
		kubenix(t, work, append([]string{"build", v.App, "--out-dir", dir}, v.Args...)...).must(t, "kubenix build "+v.Name)
		for _, f := range manifestFiles(t, dir) {
			objs, diags := manifest.ReadFile(f)
			if err := diags.Err(); err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				if _, ok := resources[o.APIVersion+"/"+o.Kind]; ok {
					out = append(out, seed{name: v.Name + ":" + o.ID(), obj: o.Body})
				}
			}
		}
	}
	return out
}

func namespacesOf(seeds []seed) []string {
	nss := []string{"default"}
	for _, s := range seeds {
		if m, ok := s.obj["metadata"].(map[string]any); ok {
			if ns, ok := m["namespace"].(string); ok && !slices.Contains(nss, ns) {
				nss = append(nss, ns)
			}
		}
	}
	return nss
}

// mutate derives the mutants of one seed: for every field but apiVersion,
// kind and the object's name and namespace, the field dropped, and values of
// its type that validation often refuses; and an unknown field.
func mutate(s seed) []mutant {
	var out []mutant
	add := func(what string, change func(obj map[string]any)) {
		obj := clone(s.obj).(map[string]any)
		change(obj)
		out = append(out, mutant{what: s.name + " " + what, obj: obj})
	}
	var walk func(path []any, v any)
	walk = func(path []any, v any) {
		p := pathString(path)
		switch p {
		case "apiVersion", "kind", "metadata", "metadata.name", "metadata.namespace":
		default:
			if len(path) > 0 {
				if _, isKey := path[len(path)-1].(string); isKey {
					add("drop "+p, func(obj map[string]any) { deleteAt(obj, path) })
				}
				for _, r := range replacements(v) {
					add(fmt.Sprintf("%s = %s", p, compact(r)), func(obj map[string]any) { setAt(obj, path, r) })
				}
			}
		}
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(append(slices.Clone(path), k), t[k])
			}
		case []any:
			for i, e := range t {
				walk(append(slices.Clone(path), i), e)
			}
		}
	}
	walk(nil, s.obj)
	add("unknown field", func(obj map[string]any) { obj["unknownField"] = "x" })
	return out
}

func replacements(v any) []any {
	switch t := v.(type) {
	case string:
		return []any{"", "Not_Valid!", "-1", t + "-" + strings.Repeat("x", 253)}
	case float64, int64, int:
		return []any{0, -1, 65536, int64(1) << 31, int64(1)<<53 + 1, "abc"}
	case bool:
		return []any{"yes"}
	case []any:
		out := []any{[]any{}}
		if len(t) > 0 {
			// The first entry twice: duplicate names, ports, keys.
			out = append(out, append([]any{clone(t[0])}, clone(t).([]any)...))
		}
		return out
	case map[string]any:
		// An invalid key: an unknown field of a struct, a bad label or
		// data key of a map.
		bad := clone(t).(map[string]any)
		bad["Not_Valid!/key"] = "x"
		return []any{map[string]any{}, bad}
	}
	return nil
}

func pathString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch x := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(x)
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		}
	}
	return b.String()
}

func parentOf(obj map[string]any, path []any) any {
	var cur any = obj
	for _, p := range path[:len(path)-1] {
		switch x := p.(type) {
		case string:
			cur = cur.(map[string]any)[x]
		case int:
			cur = cur.([]any)[x]
		}
	}
	return cur
}

func setAt(obj map[string]any, path []any, v any) {
	switch x := path[len(path)-1].(type) {
	case string:
		parentOf(obj, path).(map[string]any)[x] = v
	case int:
		parentOf(obj, path).([]any)[x] = v
	}
}

func deleteAt(obj map[string]any, path []any) {
	delete(parentOf(obj, path).(map[string]any), path[len(path)-1].(string))
}

func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = clone(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = clone(e)
		}
		return l
	}
	return v
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 40 {
		return string(b[:37]) + "..."
	}
	return string(b)
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// kubenixVerdicts checks all mutants in one run and returns, for each file
// kubenix rejects, the fields of its errors.
func kubenixVerdicts(t *testing.T, dir string) map[string][]string {
	r := kubenix(t, dir, "check", "--kube-version", serverKubeVersion(t), "--format", "json", dir)
	if r.code > 1 {
		t.Fatalf("kubenix check: exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		Objects []struct {
			Errors []struct {
				Field string
				Pos   struct{ File string }
			}
		}
		Diagnostics []struct {
			Severity string
			Field    string
			Pos      struct{ File string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("kubenix check --format json: %v\n%s", err, r.stdout)
	}
	fields := map[string][]string{}
	abs := func(f string) string {
		if filepath.IsAbs(f) {
			return f
		}
		return filepath.Join(dir, f)
	}
	for _, o := range out.Objects {
		for _, e := range o.Errors {
			fields[abs(e.Pos.File)] = append(fields[abs(e.Pos.File)], e.Field)
		}
	}
	for _, d := range out.Diagnostics {
		if d.Severity == "error" {
			fields[abs(d.Pos.File)] = append(fields[abs(d.Pos.File)], d.Field)
		}
	}
	return fields
}

// apiClient talks to the test API server directly: one request per mutant
// is much faster than one kubectl process.
type apiClient struct {
	server, token string
	http          *http.Client
}

type apiResource struct {
	path       string // /api/v1 or /apis/group/version
	name       string // plural
	namespaced bool
}

func newAPIClient(t *testing.T) *apiClient {
	return &apiClient{server: cp.Server, token: cp.Token, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
}

func (c *apiClient) do(t *testing.T, method, path string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.server+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// discover lists the kinds the server serves, by "apiVersion/kind".
func (c *apiClient) discover(t *testing.T) map[string]apiResource {
	out := map[string]apiResource{}
	list := func(path, apiVersion string) {
		code, b := c.do(t, "GET", path, nil)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		var l struct {
			Resources []struct {
				Name, Kind string
				Namespaced bool
			}
		}
		json.Unmarshal(b, &l)
		for _, r := range l.Resources {
			if !strings.Contains(r.Name, "/") {
				out[apiVersion+"/"+r.Kind] = apiResource{path: path, name: r.Name, namespaced: r.Namespaced}
			}
		}
	}
	list("/api/v1", "v1")
	code, b := c.do(t, "GET", "/apis", nil)
	if code != 200 {
		t.Fatalf("GET /apis: %d", code)
	}
	var groups struct {
		Groups []struct {
			Versions []struct{ GroupVersion string }
		}
	}
	json.Unmarshal(b, &groups)
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			list("/apis/"+v.GroupVersion, v.GroupVersion)
		}
	}
	return out
}

// ensure creates an object unless it exists.
func (c *apiClient) ensure(t *testing.T, path string, obj map[string]any) {
	if code, b := c.do(t, "POST", path, obj); code/100 != 2 && code != 409 {
		t.Fatalf("POST %s: %d %s", path, code, b)
	}
}

// dryRunCreate returns the server's status code, the fields of its causes
// and its message.
func (c *apiClient) dryRunCreate(t *testing.T, resources map[string]apiResource, obj map[string]any) (int, []string, string) {
	av, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	r, ok := resources[av+"/"+kind]
	if !ok {
		return 0, nil, "not served"
	}
	path := r.path
	if r.namespaced {
		ns := "default"
		if m, ok := obj["metadata"].(map[string]any); ok {
			if s, ok := m["namespace"].(string); ok && s != "" {
				ns = s
			}
		}
		path += "/namespaces/" + ns
	}
	code, b := c.do(t, "POST", path+"/"+r.name+"?dryRun=All&fieldValidation=Strict", obj)
	if code/100 == 2 {
		return code, nil, ""
	}
	var st struct {
		Message string
		Details struct {
			Causes []struct{ Field string }
		}
	}
	json.Unmarshal(b, &st)
	var fields []string
	for _, c := range st.Details.Causes {
		fields = append(fields, c.Field)
	}
	return code, fields, st.Message
}
