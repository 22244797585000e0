package objdiff

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
)

// bigManifest is n ConfigMaps (every tenth without a namespace) of about
// 300 bytes, a Secret, and a custom resource without a namespace before
// the CRD that makes it namespaced; edit changes it.
func bigManifest(n int, edit func(i int, data string) string) string {
	var b strings.Builder
	b.WriteString("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: " + edit(-1, "1") + "}\n")
	for i := 0; i < n; i++ {
		ns := "\n  namespace: team"
		if i%10 == 0 {
			ns = ""
		}
		data := edit(i, fmt.Sprintf("value-%d-%s", i, strings.Repeat("x", 200)))
		if data == "" {
			continue
		}
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d%s\ndata:\n  key: %s\n", i, ns, data)
	}
	fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: team}\nstringData: {password: %s}\n", edit(-2, "hunter2"))
	b.WriteString(`---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`)
	return b.String()
}

// Sides read from large files keep each object's YAML compressed and its
// hash (see seal), and their comparison says exactly what comparing the
// objects themselves says, in every format: here one ConfigMap changed,
// one removed, one added, a Secret's value and a custom resource whose
// namespace only its CRD, further down, decides.
func TestSealedSidesCompareAsObjects(t *testing.T) {
	const n = 3000 // many blocks of texts
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	write(t, a, bigManifest(n, func(i int, data string) string { return data }))
	write(t, b, bigManifest(n, func(i int, data string) string {
		switch i {
		case -1:
			return "2"
		case -2:
			return "swordfish"
		case 77:
			return ""
		case 1234:
			return "changed"
		}
		return data
	}))
	bNew := strings.Replace(readFile(t, b), "---\napiVersion: v1\nkind: Secret", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: added, namespace: team}\n---\napiVersion: v1\nkind: Secret", 1)
	write(t, b, bNew)

	var ld Loader
	got := [2]*Side{}
	want := [2]*Side{}
	for i, f := range []string{a, b} {
		s, err := ld.Load(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = s
		want[i] = unsealedSide(t, f)
	}
	sealedCount := 0
	for _, e := range got[0].Entries {
		if e.sealed != nil {
			sealedCount++
		}
	}
	if sealedCount != n+2 { // all but the Secret
		t.Errorf("%d of %d objects sealed, want %d", sealedCount, len(got[0].Entries), n+2)
	}
	gotRes, err := Compare(got[0], got[1], Options{Context: 3})
	if err != nil {
		t.Fatal(err)
	}
	wantRes, err := Compare(want[0], want[1], Options{Context: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s := gotRes.Summary().String(); s != fmt.Sprintf("1 added, 1 removed, 3 changed, %d unchanged", n-1) {
		t.Errorf("summary %s", s)
	}
	var changed []string
	for _, c := range gotRes.Changes {
		if c.Status != Unchanged {
			changed = append(changed, string(c.Status)+" "+c.ID)
		}
	}
	if s := strings.Join(changed, ", "); s != "changed Secret/team/s, added ConfigMap/team/added, changed ConfigMap/team/cm-1234, removed ConfigMap/team/cm-77, changed Widget/default/w" {
		t.Errorf("changes: %s", s)
	}
	for _, format := range []string{"text", "stat", "json"} {
		var g, w bytes.Buffer
		write := func(out *bytes.Buffer, r *Result) {
			switch format {
			case "json":
				WriteJSON(out, r)
			default:
				WriteText(out, r, TextOptions{Stat: format == "stat"})
			}
		}
		write(&g, gotRes)
		write(&w, wantRes)
		if g.String() != w.String() {
			t.Errorf("%s: sealed sides give\n%s\nobjects give\n%s", format, g.String(), w.String())
		}
	}
	for _, c := range gotRes.Changes {
		if strings.Contains(c.Diff, "hunter2") || c.ID == "ConfigMap/team/cm-1234" && !strings.Contains(c.Diff, "+  key: changed\n") {
			t.Errorf("%s: diff\n%s", c.ID, c.Diff)
		}
	}
}

// unsealedSide reads a file as readManifests did before sealing: every
// object whole, namespaces defaulted with the file's CRDs.
func unsealedSide(t *testing.T, file string) *Side {
	objs, d := manifest.ReadFile(file)
	if d.HasErrors() {
		t.Fatal(d)
	}
	set, err := schema.NewSet("")
	if err != nil {
		t.Fatal(err)
	}
	set.With(objs).DefaultNamespaces(objs, "")
	s := &Side{Name: file}
	for _, o := range objs {
		s.Entries = append(s.Entries, Entry{Object: o, File: filepath.Base(file)})
	}
	return s
}

func readFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
