package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubenix/kubenix/internal/examples"
	"github.com/kubenix/kubenix/manifest"
)

func exampleVariants(t *testing.T) []examples.Variant {
	vs, err := examples.Variants(repoRoot())
	if err != nil || len(vs) < 5 {
		t.Fatalf("found %d example builds: %v", len(vs), err)
	}
	return vs
}

// Every example's result applies with plain kubectl on the first try, a
// second apply changes nothing, and the server holds what the files say.
// (Builds with custom resources of their own CRDs need two steps; they are
// TestCRDsFirst's.)
func TestExamplesApply(t *testing.T) {
	needCluster(t)
	work := t.TempDir()
	for _, v := range exampleVariants(t) {
		t.Run(v.Name, func(t *testing.T) {
			result := filepath.Join(work, "result-"+v.Name)
			b := kubenix(t, work, append([]string{"build", v.App, "--out-link", result}, v.Args...)...).must(t, "kubenix build")
			if strings.Contains(b.stderr, "custom resource") {
				t.Skip("needs its CRDs first: see TestCRDsFirst")
			}
			first := kubectl(t, "apply", "-f", result+"/").must(t, "first kubectl apply")
			files := manifestFiles(t, result)
			if n := len(nonEmptyLines(first.stdout)); n != len(files) {
				t.Errorf("first apply reported %d objects, the result has %d:\n%s", n, len(files), first.stdout)
			}
			second := kubectl(t, "apply", "-f", result+"/").must(t, "second kubectl apply")
			for _, l := range nonEmptyLines(second.stdout) {
				if !strings.HasSuffix(l, " unchanged") {
					t.Errorf("second apply changed something: %s", l)
				}
			}
			for _, f := range files {
				objs, diags := manifest.ReadFile(f)
				if err := diags.Err(); err != nil {
					t.Fatal(err)
				}
				got := kubectl(t, "get", "-f", f, "-o", "json").must(t, "kubectl get")
				var live map[string]any
				if err := json.Unmarshal([]byte(got.stdout), &live); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				for _, p := range subsetMismatches("", objs[0].Body, live) {
					t.Errorf("%s: %s", filepath.Base(f), p)
				}
			}
		})
	}
}

// manifestFiles lists what kubectl applies from a result directory.
func manifestFiles(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); ext == ".yaml" || ext == ".yml" || ext == ".json" {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

func nonEmptyLines(s string) []string {
	return slices.DeleteFunc(strings.Split(s, "\n"), func(l string) bool { return strings.TrimSpace(l) == "" })
}

// subsetMismatches lists where want (an object as kubenix wrote it) is not
// found in got (the object as the server returns it): the server adds
// defaults and status, but must keep everything written, up to the
// canonical form of numbers and quantities.
func subsetMismatches(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: wrote an object, the server has %v", path, got)}
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, ok := g[k]
			if !ok {
				if w[k] == nil {
					continue
				}
				out = append(out, fmt.Sprintf("%s.%s: written, but the server does not have it", path, k))
				continue
			}
			out = append(out, subsetMismatches(path+"."+k, w[k], gv)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: wrote %d items, the server has %v", path, len(w), got)}
		}
		var out []string
		for i := range w {
			out = append(out, subsetMismatches(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	case string:
		if g, ok := got.(string); ok && g != w {
			q1, err1 := resource.ParseQuantity(w)
			q2, err2 := resource.ParseQuantity(g)
			if err1 == nil && err2 == nil && q1.Cmp(q2) == 0 {
				return nil
			}
		}
	case float64, int64, int:
		if fmt.Sprint(w) == fmt.Sprint(got) {
			return nil
		}
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: wrote %v, the server has %v", path, want, got)}
	}
	return nil
}
