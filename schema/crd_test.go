package schema

import (
	"strings"
	"testing"

	"github.com/kubenix/kubenix/manifest"
)

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`

// With gives a new set that knows the CRDs' kinds; the set it was made
// from, which other sources and checks share, stays as it was.
func TestWithLeavesTheSetAlone(t *testing.T) {
	base, err := NewSet("")
	if err != nil {
		t.Fatal(err)
	}
	crds, problems := manifest.Read("crds.yaml", []byte(widgetCRD))
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	n := len(base.Types())
	with := base.With(crds)
	if _, ok := with.Lookup("example.com/v1", "Widget"); !ok {
		t.Error("the new set does not know Widget")
	}
	if _, ok := base.Lookup("example.com/v1", "Widget"); ok || len(base.Types()) != n {
		t.Error("With changed the set it was made from")
	}
	if av, kind, err := with.PluralKind("widgets"); err != nil || av != "example.com/v1" || kind != "Widget" {
		t.Errorf("PluralKind(widgets) = %s %s %v", av, kind, err)
	}
	// Built-in types are shared, and still validate through the new set.
	if _, ok := with.Lookup("apps/v1", "Deployment"); !ok {
		t.Error("the new set lost the built-in types")
	}
}

// A CRD is checked once, when With reads it: validating it reports that
// verdict, the same as a check of its own; once Normalize has rewritten
// the object (a keyed list, recorded in Keyed), it is checked again.
func TestCRDVerdictOfWith(t *testing.T) {
	base, err := NewSet("")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(widgetCRD, "scope: Namespaced", "scope: Somewhere", 1)
	crds, problems := manifest.Read("crds.yaml", []byte(bad))
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	o := crds[0]
	with := base.With(crds)
	got := with.ValidateObject(o, Options{})
	fresh := base.ValidateObject(o, Options{}) // base has no verdict: checks now
	if !got.HasErrors() || got.Err().Error() != fresh.Err().Error() || !strings.Contains(got.Err().Error(), "spec.scope") {
		t.Fatalf("the verdict of With:\n%v\na check of its own:\n%v", got.Err(), fresh.Err())
	}
	o.Body["spec"].(map[string]any)["scope"] = "Namespaced"
	o.Keyed = map[string][]string{"spec.versions": {"v1"}}
	if l := with.ValidateObject(o, Options{}); l.HasErrors() {
		t.Errorf("a CRD changed since With still has With's verdict:\n%v", l.Err())
	}
}
