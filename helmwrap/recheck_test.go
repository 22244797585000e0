package helmwrap

import (
	"context"
	"maps"
	"slices"
	"testing"

	"helm.sh/helm/v3/pkg/engine"
)

// The second render that looks for non-determinism renders only what can
// differ: templates that call a random function themselves, through a
// named template, or through an include of another template's output (a
// checksum); a template whose random branch is not taken is rendered again
// but not reported.
func TestRecheckRendersOnlyRandomTemplates(t *testing.T) {
	opts := RenderOptions{Chart: chartDir("recheck"), Name: "r", Namespace: "x", KubeVersion: "1.37", Values: map[string]any{}}
	res, err := Render(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"recheck/templates/deployment.yaml", "recheck/templates/secret.yaml"}
	if !slices.Equal(res.Nondeterministic, want) {
		t.Errorf("nondeterministic: %v, want %v", res.Nondeterministic, want)
	}
	chrt, err := LoadChart(opts.Chart)
	if err != nil {
		t.Fatal(err)
	}
	plan := planRecheck(chrt, opts.Values)
	if want := []string{"recheck/templates/cert.yaml", "recheck/templates/deployment.yaml", "recheck/templates/secret.yaml"}; !slices.Equal(plan.compare, want) || plan.all {
		t.Errorf("rendered again: %v (all: %v), want %v", plan.compare, plan.all, want)
	}
	if plan.keep["recheck/templates/config.yaml"] {
		t.Errorf("config.yaml, which nothing random reaches, is rendered again: %v", slices.Sorted(maps.Keys(plan.keep)))
	}
	values, err := renderValues(chrt, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	var e engine.Engine
	files, err := e.Render(subset(chrt, plan.keep), values)
	if err != nil {
		t.Fatalf("the second render, of %v: %v", slices.Sorted(maps.Keys(plan.keep)), err)
	}
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, plan.compare) {
		t.Errorf("the second render renders %v, want %v", got, plan.compare)
	}

	// No random function at all: no second render.
	chrt, err = LoadChart(chartDir("shop"))
	if err != nil {
		t.Fatal(err)
	}
	if plan := planRecheck(chrt, nil); len(plan.compare) != 0 {
		t.Errorf("shop has no random function, yet %v is rendered again", plan.compare)
	}
}

// A random value a template stores in the values every template shares
// (set) shows in a template that calls no random function: then every
// template is rendered again and compared.
func TestRecheckFollowsValuesSet(t *testing.T) {
	res, err := Render(context.Background(), RenderOptions{Chart: chartDir("recheck-set"), Name: "r", Namespace: "x", KubeVersion: "1.37"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"recheck-set/templates/a-user.yaml"}; !slices.Equal(res.Nondeterministic, want) {
		t.Errorf("nondeterministic: %v, want %v", res.Nondeterministic, want)
	}
}

// A random function in text that tpl renders, from the values.
func TestRecheckFollowsTpl(t *testing.T) {
	chrt, err := LoadChart(chartDir("patterns"))
	if err != nil {
		t.Fatal(err)
	}
	if plan := planRecheck(chrt, map[string]any{"note": "{{ randAlpha 3 }}"}); len(plan.compare) == 0 {
		t.Errorf("a random function in values that tpl may render is not rechecked")
	}
}
