package objdiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/manifest"
)

// side reads manifests given as file name, YAML, file name, YAML, ...
func side(t *testing.T, name string, files ...string) *Side {
	t.Helper()
	s := &Side{Name: name}
	for i := 0; i+1 < len(files); i += 2 {
		objs, d := manifest.Read(files[i], []byte(files[i+1]))
		if d.HasErrors() {
			t.Fatalf("%s: %v", files[i], d)
		}
		for _, o := range objs {
			s.Entries = append(s.Entries, Entry{Object: o, File: files[i]})
		}
	}
	return s
}

const (
	deployV1 = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27"}
`
	// The same object, keys in another order, other quoting and layout.
	deployShuffled = `kind: Deployment
spec:
  template:
    spec:
      containers:
        - image: 'nginx:1.27'
          name: web
    metadata:
      labels:
        app: web
  selector:
    matchLabels: {app: "web"}
  replicas: 2
metadata:
  labels: {app: web}
  namespace: shop
  name: web
apiVersion: apps/v1
`
	ingressBeta = `apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: web, namespace: shop}
spec: {ingressClassName: nginx}
`
	ingressV1 = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec: {ingressClassName: nginx}
`
	ingressExtensions = `apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: web, namespace: shop}
spec: {ingressClassName: nginx}
`
	cm = `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
data: {a: "1"}
`
	ns = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
`
)

type want struct {
	id     string
	status Status
}

func statuses(r *Result) []want {
	var out []want
	for _, c := range r.Changes {
		out = append(out, want{c.ID, c.Status})
	}
	return out
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, new *Side
		want     []want
		differ   bool
	}{
		{"key order and formatting are no change",
			side(t, "old", "d.yaml", deployV1), side(t, "new", "d.yaml", deployShuffled),
			[]want{{"Deployment/shop/web", Unchanged}}, false},
		{"a renamed file is no change",
			side(t, "old", "0280-deployment-shop-web.yaml", deployV1), side(t, "new", "deploy/web.yaml", deployV1),
			[]want{{"Deployment/shop/web", Unchanged}}, false},
		{"objects moved between files are no change",
			side(t, "old", "all.yaml", ns+"---\n"+cm), side(t, "new", "ns.yaml", ns, "cm.yaml", cm),
			[]want{{"Namespace/shop", Unchanged}, {"ConfigMap/shop/cfg", Unchanged}}, false},
		{"added, removed, changed, in install order",
			side(t, "old", "a.yaml", deployV1, "b.yaml", cm),
			side(t, "new", "a.yaml", strings.Replace(deployV1, "replicas: 2", "replicas: 3", 1), "c.yaml", ns),
			[]want{{"Namespace/shop", Added}, {"ConfigMap/shop/cfg", Removed}, {"Deployment/shop/web", Changed}}, true},
		{"a new apiVersion is a change of the same object",
			side(t, "old", "i.yaml", ingressBeta), side(t, "new", "i.yaml", ingressV1),
			[]want{{"Ingress/shop/web", Changed}}, true},
		{"another API group is another object",
			side(t, "old", "i.yaml", ingressExtensions), side(t, "new", "i.yaml", ingressV1),
			[]want{{"Ingress.extensions/shop/web", Removed}, {"Ingress.networking.k8s.io/shop/web", Added}}, true},
		{"nothing on either side",
			&Side{Name: "old"}, &Side{Name: "new"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compare(tc.old, tc.new, Options{Context: DefaultContext})
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(r); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if r.Differ() != tc.differ {
				t.Errorf("Differ() = %v", r.Differ())
			}
		})
	}
}

func TestCompareDiffText(t *testing.T) {
	r, err := Compare(side(t, "old", "0340-ingress-shop-web.yaml", ingressBeta), side(t, "new", "0345-ingress-shop-web.yaml", ingressV1), Options{Context: DefaultContext})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Changes[0]
	want := `--- old/0340-ingress-shop-web.yaml
+++ new/0345-ingress-shop-web.yaml
@@ -1,4 +1,4 @@
-apiVersion: networking.k8s.io/v1beta1
+apiVersion: networking.k8s.io/v1
 kind: Ingress
 metadata:
   name: web
`
	if c.Diff != want || c.Insertions != 1 || c.Deletions != 1 {
		t.Errorf("diff (+%d -%d):\n%s\nwant:\n%s", c.Insertions, c.Deletions, c.Diff, want)
	}
}

func TestCompareDuplicate(t *testing.T) {
	_, err := Compare(side(t, "old", "a.yaml", cm, "b.yaml", cm), side(t, "new"), Options{})
	if err == nil || !strings.Contains(err.Error(), "ConfigMap/shop/cfg is defined twice, in a.yaml and in b.yaml") {
		t.Errorf("err = %v", err)
	}
}

const (
	secretOld = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: c2VjcmV0, user: YWRtaW4=, gone: eA==}
stringData: {token: abc}
`
	secretNew = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: bmV3c2VjcmV0, user: YWRtaW4=, extra: eQ==}
stringData: {token: abc}
`
)

func TestSecretsAreMasked(t *testing.T) {
	r, err := Compare(side(t, "old", "s.yaml", secretOld), side(t, "new", "s.yaml", secretNew), Options{Context: 10})
	if err != nil {
		t.Fatal(err)
	}
	d := r.Changes[0].Diff
	for _, v := range []string{"c2VjcmV0", "bmV3c2VjcmV0", "YWRtaW4=", "eA==", "eQ==", "abc"} {
		if strings.Contains(d, v) {
			t.Errorf("the diff shows the value %s:\n%s", v, d)
		}
	}
	for _, line := range []string{
		"+  extra: (hidden)", "-  gone: (hidden)",
		"-  password: (hidden, before)", "+  password: (hidden, after)",
		"   user: (hidden)", "   token: (hidden)",
	} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("the diff lacks %q:\n%s", line, d)
		}
	}
	// A Secret whose values did not change is unchanged, masked or not.
	r, _ = Compare(side(t, "old", "s.yaml", secretOld), side(t, "new", "t.yaml", secretOld), Options{})
	if r.Differ() {
		t.Error("an unchanged Secret differs")
	}
	// The objects themselves are untouched.
	objs := side(t, "old", "s.yaml", secretOld)
	Compare(objs, side(t, "new", "s.yaml", secretNew), Options{})
	if objs.Entries[0].Object.Body["data"].(map[string]any)["password"] != "c2VjcmV0" {
		t.Error("masking changed the object")
	}

	r, _ = Compare(side(t, "old", "s.yaml", secretOld), side(t, "new", "s.yaml", secretNew), Options{ShowSecrets: true})
	if d := r.Changes[0].Diff; !strings.Contains(d, "-  password: c2VjcmV0\n") || !strings.Contains(d, "+  password: bmV3c2VjcmV0\n") {
		t.Errorf("ShowSecrets: the values are not shown:\n%s", d)
	}
}

func TestWriteFormats(t *testing.T) {
	r, err := Compare(
		side(t, "old", "a.yaml", deployV1, "b.yaml", cm),
		side(t, "new", "a.yaml", strings.Replace(deployV1, "replicas: 2", "replicas: 3", 1), "c.yaml", ns),
		Options{Context: 1})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	WriteText(&text, r, TextOptions{})
	want := `+ Namespace/shop (added)
- ConfigMap/shop/cfg (removed)
~ Deployment/shop/web (changed)
--- old/a.yaml
+++ new/a.yaml
@@ -8,3 +8,3 @@
 spec:
-  replicas: 2
+  replicas: 3
   selector:

1 added, 1 removed, 1 changed, 0 unchanged
`
	if text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}

	var stat bytes.Buffer
	WriteText(&stat, r, TextOptions{Stat: true})
	wantStat := `+ Namespace/shop      | 4 ++++
- ConfigMap/shop/cfg  | 7 -------
~ Deployment/shop/web | 2 +-
1 added, 1 removed, 1 changed, 0 unchanged
`
	if stat.String() != wantStat {
		t.Errorf("stat:\n%s\nwant:\n%s", stat.String(), wantStat)
	}

	var colored bytes.Buffer
	WriteText(&colored, r, TextOptions{Color: true})
	if !strings.Contains(colored.String(), "\x1b[31m-  replicas: 2\x1b[0m\n") || !strings.Contains(colored.String(), "\x1b[32m+ Namespace/shop (added)\x1b[0m") {
		t.Errorf("colours:\n%q", colored.String())
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Old, New string
		Differ   bool
		Summary  Summary
		Objects  []struct {
			ID, Status, Group, Kind, Namespace, Name, Diff string
			Insertions, Deletions                          int
			Old, New                                       *struct{ APIVersion, File string }
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Old != "old" || doc.New != "new" || !doc.Differ || doc.Summary != (Summary{Added: 1, Removed: 1, Changed: 1}) || len(doc.Objects) != 3 {
		t.Fatalf("json: %s", js.String())
	}
	d := doc.Objects[2]
	if d.ID != "Deployment/shop/web" || d.Status != "changed" || d.Group != "apps" || d.Old.File != "a.yaml" || d.New.APIVersion != "apps/v1" ||
		d.Insertions != 1 || d.Deletions != 1 || !strings.HasPrefix(d.Diff, "--- old/a.yaml\n") {
		t.Errorf("json object: %+v", d)
	}
	if a := doc.Objects[0]; a.Old != nil || !strings.HasPrefix(a.Diff, "--- /dev/null\n+++ new/c.yaml\n@@ -0,0 +1,4 @@\n") {
		t.Errorf("json added object: %+v", a)
	}
}

// WriteJSON writes, one object at a time, what encoding/json writes of
// the whole result.
func TestWriteJSONAsEncodingJSON(t *testing.T) {
	objs := func(names ...string) []*manifest.Object {
		var out []*manifest.Object
		for i, n := range names {
			out = append(out, &manifest.Object{APIVersion: "v1", Kind: "ConfigMap", Namespace: "x", Name: n,
				Body: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": n, "namespace": "x"},
					"data": map[string]any{"k": fmt.Sprintf("<%d> & \"q\"", i)}}})
		}
		return out
	}
	for _, tc := range []struct{ old, new []*manifest.Object }{
		{nil, nil},
		{objs("a", "b"), objs("b", "c")},
		{objs("a"), objs("a")},
	} {
		res, err := Compare(ObjectsSide(`old "objects": []`, tc.old), ObjectsSide("new", tc.new), Options{Context: 3})
		if err != nil {
			t.Fatal(err)
		}
		var got, want bytes.Buffer
		if err := WriteJSON(&got, res); err != nil {
			t.Fatal(err)
		}
		out := jsonResult{Old: res.Old, New: res.New, Differ: res.Differ(), Summary: res.Summary(), Objects: []jsonObject{},
			ValuesNotCompared: res.ValuesNotCompared()}
		for _, c := range res.Changes {
			out.Objects = append(out.Objects, jsonChange(c))
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("got\n%s\nwant\n%s", got.String(), want.String())
		}
	}
}
