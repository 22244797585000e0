package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/secrets"
)

// A manifest larger than a batch is checked in batches (checkStream) and
// found exactly as checking all of its objects together finds it: a custom
// resource before its CRD, an object defined twice batches apart, invalid
// objects in any batch, each at its file:line:col.
func TestCheckInBatchesAsTogether(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: bench.example.com/v1\nkind: Widget\nmetadata: {name: early}\nspec: {size: big}\n")
	for i := 0; i < 3*batchSize; i++ {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  n: \"%d\"\n", i, i)
		switch i % 97 {
		case 5:
			fmt.Fprintf(&b, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d-%d, namespace: x}\nspec:\n  replicas: two\n", i)
		case 11:
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d}\ndata: {n: again}\n", i/2)
		}
	}
	b.WriteString(`---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.bench.example.com}
spec:
  group: bench.example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`)
	file := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Secrets: secrets.Options{AllowPlaintext: true}}
	ctx := context.Background()
	got, err := CheckPaths(ctx, opts, func(string) (eval.Options, error) { return eval.Options{}, nil }, []string{file})
	if err != nil {
		t.Fatal(err)
	}

	set, crds, err := start(opts)
	if err != nil {
		t.Fatal(err)
	}
	objs, d := manifest.ReadFile(file)
	want, err := Check(ctx, set, opts, crds, &Source{Objects: objs, Diags: d})
	if err != nil {
		t.Fatal(err)
	}
	if got.Objects != len(want.Objects) || !reflect.DeepEqual(got.Diagnostics, want.Diagnostics) {
		t.Fatalf("in batches: %d objects\n%s\ntogether: %d objects\n%s", got.Objects, dump(got.Diagnostics), len(want.Objects), dump(want.Diagnostics))
	}
	var dups, replicas, widget int
	for _, d := range got.Diagnostics {
		switch {
		case strings.HasPrefix(d.Message, "defined more than once") && len(d.Related) == 1 && d.Related[0].Line < d.Pos.Line:
			dups++
		case d.Field == "spec.replicas" && d.Pos.Line > 0 && d.Severity == diag.Error:
			replicas++
		case d.Object == "Widget/default/early" && d.Field == "spec.size" && d.Pos == (diag.Pos{File: file, Line: 4, Col: 8}):
			widget++
		}
	}
	if dups != 8 || replicas != 8 || widget != 1 {
		t.Errorf("found %d duplicates (want 8), %d bad replicas (want 8), %d bad widget (want 1):\n%s", dups, replicas, widget, dump(got.Diagnostics))
	}
}
