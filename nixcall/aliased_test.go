package nixcall

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The objects of an aliased subchart name the subchart's own file, in
// charts/ under its name, next to the template path Helm gives them (by
// the alias).
func TestRenderOriginOfAliasedSubchart(t *testing.T) {
	chart, _ := filepath.Abs(filepath.Join("..", "helmwrap", "testdata", "charts", "aliased"))
	dir := t.TempDir()
	req := request(t, map[string]any{"op": "helm.render", "render": map[string]any{"chart": chart, "name": "r", "namespace": "n", "kubeVersion": "1.37"}})
	failed, err := NewServer(dir, false).Answer(context.Background(), []Request{req}, t.TempDir())
	if err != nil || len(failed) != 0 {
		t.Fatalf("%v %v", err, failed)
	}
	b, err := os.ReadFile(ObjectsPath(dir, "helm.render", req.Key))
	if err != nil {
		t.Fatal(err)
	}
	var objs []struct {
		Metadata struct{ Name string }
		Origin   struct{ Template, File string } `json:"__kubenixOrigin"`
	}
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, o := range objs {
		if o.Metadata.Name != "r-front" {
			continue
		}
		seen++
		if o.Origin.Template != "aliased/charts/front/templates/cm.yaml" || o.Origin.File != filepath.Join(chart, "charts", "child", "templates", "cm.yaml") {
			t.Errorf("origin %+v", o.Origin)
		}
	}
	if seen != 1 {
		t.Errorf("%d objects r-front in %s", seen, b)
	}
}
