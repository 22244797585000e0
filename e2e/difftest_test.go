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

// The differential test: mutants of valid objects, each sent to `kubenix
// check` and to the API server (a dry-run create with strict field
// validation, as kubectl apply sends), and the verdicts compared. The seeds
// are the valid objects of the validation corpus, of the examples' builds,
// and one object of every kind the server serves (from discovery), made
// from the server's own OpenAPI schema with its required fields filled. The
// mutants are made at test time with a fixed seed: each field dropped,
// emptied, given boundary numbers and bad strings (names, DNS names, IPs,
// CIDRs, ports, quantities, percentages), each list's first entry twice, a
// list-map entry with a key repeated, each object an invalid key and each
// optional field it lacks, out-of-enum values, an unknown field, and random
// structure-aware changes. KUBENIX_DIFFTEST_MUTANTS sets how many are sent
// (default 2,000, 0 = all), KUBENIX_DIFFTEST_RANDOM how many random ones each
// seed gets (default 120); KUBENIX_DIFFTEST_REPORT names a file to write the
// full report to. Each mutant is also sent as a dry-run update of its seed,
// created for real: kubenix has no update mode, so those verdicts are
// reported apart (the server's update rules add immutable fields).
//
// It fails on any create verdict that differs outside the deliberate
// differences, when fewer than 95% of the field paths of agreed rejections
// agree, and at full size below 99.5% verdict agreement or 20,000 mutants.
func TestDifferentialAgainstServer(t *testing.T) {
	needCluster(t)
	limit := 2000
	if v := os.Getenv("KUBENIX_DIFFTEST_MUTANTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("KUBENIX_DIFFTEST_MUTANTS=%q: %v", v, err)
		}
		limit = n
	}
	api := newAPIClient(t)
	kubeVersion := serverKubeVersion(t)
	resources := api.discover(t)
	oa := api.openAPI(t)
	seeds := append(corpusSeeds(t, resources), exampleSeeds(t, resources)...)
	seeds = append(seeds, schemaSeeds(t, oa, resources)...)
	// The namespaces and default service accounts exist, so that only
	// validation can reject.
	for _, ns := range namespacesOf(seeds) {
		api.ensure(t, "/api/v1/namespaces", map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}})
		api.ensure(t, "/api/v1/namespaces/"+ns+"/serviceaccounts", map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "default", "namespace": ns}})
	}
	// A seed the server rejects is no seed: it is reported, not mutated.
	var kept []seed
	rejectedSeeds := map[string]string{}
	for _, s := range seeds {
		// (A namespace of an example's exists already: the content is fine.)
		if code, _, msg := api.dryRun(resources, "POST", s.obj, ""); code/100 != 2 && !(code == 409 && kindOf(s.obj) == "v1/Namespace") {
			rejectedSeeds[s.name] = fmt.Sprintf("%d %s", code, msg)
			continue
		}
		kept = append(kept, s)
	}
	seeds = kept
	if len(seeds) < 10 {
		t.Fatalf("only %d seed objects", len(seeds))
	}
	random := randomPerSeed
	if v := os.Getenv("KUBENIX_DIFFTEST_RANDOM"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("KUBENIX_DIFFTEST_RANDOM=%q: want a number", v)
		}
		random = n
	}
	rng := rand.New(rand.NewSource(13))
	var mutants []mutant
	for _, s := range seeds {
		mutants = append(mutants, mutant{what: s.name + " unchanged", obj: clone(s.obj).(map[string]any), seed: s.name})
		mutants = append(mutants, mutate(s)...)
		mutants = append(mutants, schemaMutants(oa, s)...)
		mutants = append(mutants, randomMutants(oa, s, random, rng)...)
	}
	rng.Shuffle(len(mutants), func(i, j int) { mutants[i], mutants[j] = mutants[j], mutants[i] })
	if limit > 0 && len(mutants) > limit {
		mutants = mutants[:limit]
	}

	dir := t.TempDir()
	for i := range mutants {
		m := &mutants[i]
		m.file = filepath.Join(dir, fmt.Sprintf("m%05d.json", i))
		if !strings.Contains(m.what, " metadata.name") && !strings.Contains(m.what, " metadata.namespace") {
			m.asWritten = clone(m.obj).(map[string]any)
		}
		// A name of its own, so that kubenix sees no duplicate objects.
		rename(m.obj, i)
		b, _ := json.MarshalIndent(m.obj, "", "  ")
		if err := os.WriteFile(m.file, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kubenixFields := kubenixVerdicts(t, dir, kubeVersion)

	deadline := time.Now().Add(15 * time.Minute)
	byServer := api.sendAll(t, resources, mutants, deadline)
	create := newFigure()
	for i := range mutants {
		m := &mutants[i]
		r := byServer[i]
		if r.code == 0 {
			continue // time was up
		}
		kf, kubenixRejects := kubenixFields[m.file]
		create.add(m, r, kf, kubenixRejects)
	}
	update := api.updates(t, resources, seeds, mutants, kubenixFields, deadline)

	create.minimise(t, api, resources, dir, kubeVersion)
	report := create.report(kubeVersion, len(seeds), rejectedSeeds, update)
	if f := os.Getenv("KUBENIX_DIFFTEST_REPORT"); f != "" {
		if err := os.WriteFile(f, []byte(report), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Log("\n" + report)
	tot := create.total
	if tot.lax > 0 {
		t.Errorf("kubenix accepts %d mutants the API server rejects (the list above)", tot.lax)
	}
	if tot.strict > 0 {
		t.Errorf("kubenix rejects %d mutants the API server accepts, outside the deliberate differences (the list above)", tot.strict)
	}
	if tot.bothReject > 0 && tot.pathAgree*100 < tot.bothReject*95 {
		t.Errorf("field paths agree on %d of %d agreed rejections: below 95%%", tot.pathAgree, tot.bothReject)
	}
	if limit == 0 {
		if tot.compared() < 20000 {
			t.Errorf("%d mutants compared at full size: fewer than 20,000", tot.compared())
		}
		if tot.agree*1000 < tot.compared()*995 {
			t.Errorf("verdicts agree on %d of %d: below 99.5%%", tot.agree, tot.compared())
		}
	}
}

// rename gives mutant i a name of its own, of the form its kind needs.
func rename(obj map[string]any, i int) {
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		return
	}
	name, ok := meta["name"].(string)
	if !ok {
		return
	}
	switch kindOf(obj) {
	case "apiextensions.k8s.io/v1/CustomResourceDefinition":
		meta["name"] = fmt.Sprintf("m%d-%s", i, name) // plural.group: a group of its own
		if spec, ok := obj["spec"].(map[string]any); ok {
			if g, ok := spec["group"].(string); ok && strings.HasSuffix(name, "."+g) {
				spec["group"] = fmt.Sprintf("m%d-%s", i, g)
				meta["name"] = strings.TrimSuffix(name, g) + spec["group"].(string)
			}
		}
	case "networking.k8s.io/v1/IPAddress":
		meta["name"] = fmt.Sprintf("10.200.%d.%d", (i>>8)&255, i&255)
	case "apiregistration.k8s.io/v1/APIService":
		// version.group, and the group with it
		if spec, ok := obj["spec"].(map[string]any); ok {
			if g, ok := spec["group"].(string); ok && strings.HasSuffix(name, "."+g) {
				spec["group"] = fmt.Sprintf("m%d.%s", i, g)
				meta["name"] = strings.TrimSuffix(name, g) + spec["group"].(string)
				return
			}
		}
		meta["name"] = fmt.Sprintf("%s-m%d", name, i)
	default:
		meta["name"] = fmt.Sprintf("%s-m%d", name, i)
	}
}

// randomPerSeed is how many random structure-aware mutants each seed gets
// (KUBENIX_DIFFTEST_RANDOM sets another number, for a deeper run).
const randomPerSeed = 120

// deliberateMutant says why kubenix and the server disagree on a mutant on
// purpose, or "". serverMsg is the server's message when it rejects.
func deliberateMutant(m *mutant, kubenixFields []string, serverMsg string) string {
	if reason := versionDifferenceOf(kubenixFields); reason != "" {
		return reason
	}
	if serverMsg == "" {
		for _, f := range kubenixFields {
			if strings.HasSuffix(f, ".image") && strings.Contains(m.what, ".image = ") {
				return "an image reference that does not parse: kubenix pins images and refuses what no registry can serve"
			}
		}
		return ""
	}
	switch {
	case strings.Contains(serverMsg, "cannot unmarshal object into Go struct field") && strings.Contains(serverMsg, " of type []"):
		return "a list written as a map (kubenix's keyed-list form, a list with a merge key written as an attrset keyed by it): kubenix writes it out as the list"
	case strings.Contains(serverMsg, "this cluster is not configured for dual-stack services"):
		return "a dual-stack Service: whether the cluster has IPv4 and IPv6 service ranges is its configuration (--service-cluster-ip-range), which no manifest says"
	}
	return ""
}

type mutant struct {
	what string // the seed and the mutation, for the report
	seed string // the seed's name
	obj  map[string]any
	file string
	// asWritten is obj before it got a name of its own, for the update
	// (which names the stored seed); nil when the mutation is of the name
	// or namespace, which an update cannot change.
	asWritten map[string]any
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
		out = append(out, mutant{what: s.name + " " + what, obj: obj, seed: s.name})
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
func kubenixVerdicts(t *testing.T, dir, kubeVersion string) map[string][]string {
	r := kubenix(t, dir, "check", "--kube-version", kubeVersion, "--format", "json", dir)
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
	path                 string // /api/v1 or /apis/group/version
	name                 string // plural
	namespaced           bool
	creatable, updatable bool
}

func newAPIClient(t *testing.T) *apiClient {
	return &apiClient{server: cp.Server, token: cp.Token, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
}

func (c *apiClient) do(t *testing.T, method, path string, body any) (int, []byte) {
	code, b, err := c.send(method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, b
}

// send is do for any goroutine: it returns its error.
func (c *apiClient) send(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.server+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// discover lists the built-in kinds the server serves, by "apiVersion/kind".
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
				Verbs      []string
			}
		}
		json.Unmarshal(b, &l)
		for _, r := range l.Resources {
			if !strings.Contains(r.Name, "/") {
				out[apiVersion+"/"+r.Kind] = apiResource{path: path, name: r.Name, namespaced: r.Namespaced,
					creatable: slices.Contains(r.Verbs, "create") && slices.Contains(r.Verbs, "get"), updatable: slices.Contains(r.Verbs, "update")}
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
	// Built-in kinds only: not those of the CRDs other tests created.
	code, b = c.do(t, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", nil)
	if code != 200 {
		t.Fatalf("GET customresourcedefinitions: %d", code)
	}
	var crds struct {
		Items []struct {
			Spec struct {
				Group    string
				Names    struct{ Kind string }
				Versions []struct{ Name string }
			}
		}
	}
	json.Unmarshal(b, &crds)
	for _, crd := range crds.Items {
		for _, v := range crd.Spec.Versions {
			delete(out, crd.Spec.Group+"/"+v.Name+"/"+crd.Spec.Names.Kind)
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

// objectPath is where an object of a kind lives on the server: its
// collection, and the object itself when name is given.
func objectPath(resources map[string]apiResource, obj map[string]any, name string) (string, bool) {
	av, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	r, ok := resources[av+"/"+kind]
	if !ok {
		return "", false
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
	path += "/" + r.name
	if name != "" {
		path += "/" + name
	}
	return path, true
}

// dryRun sends obj as a dry-run create (POST) or update (PUT of name) and
// returns the server's status code, the fields of its causes and its
// message.
func (c *apiClient) dryRun(resources map[string]apiResource, method string, obj map[string]any, name string) (int, []string, string) {
	path, ok := objectPath(resources, obj, name)
	if !ok {
		return 0, nil, "not served"
	}
	code, b, err := c.send(method, path+"?dryRun=All&fieldValidation=Strict", obj)
	if err != nil {
		return -1, nil, err.Error()
	}
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
