package helmwrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// An aliased subchart's templates are named by the alias, as Helm names
// them (in `# Source:` lines and in its errors), and lead to the files of
// the subchart on disk, which is in charts/ under its own name.
func TestAliasedSubchartPaths(t *testing.T) {
	dir := chartDir("aliased")
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := func(values map[string]any) RenderOptions {
		return RenderOptions{Chart: dir, Name: "r", Namespace: "x", KubeVersion: "1.37", Values: values}
	}
	childFile := filepath.Join(abs, "charts", "child", "templates", "cm.yaml")

	res, err := Render(context.Background(), opts(map[string]any{}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Objects {
		got = append(got, fmt.Sprintf("%s:%d", r.Template, r.Line))
	}
	slices.Sort(got)
	want := []string{"aliased/charts/back/templates/cm.yaml:1", "aliased/charts/front/templates/cm.yaml:1", "aliased/templates/cm.yaml:1"}
	if !slices.Equal(got, want) {
		t.Errorf("templates: %v, want %v", got, want)
	}
	files := NewChartFiles(abs)
	for _, tmpl := range []string{"aliased/charts/back/templates/cm.yaml", "aliased/charts/front/templates/cm.yaml"} {
		if f := files.File(tmpl); f != childFile {
			t.Errorf("the file of %s: %s, want %s", tmpl, f, childFile)
		}
	}
	if f := TemplateFile(abs, "aliased/templates/cm.yaml"); f != filepath.Join(abs, "templates", "cm.yaml") {
		t.Errorf("the parent's own template: %s", f)
	}

	if !testing.Short() {
		// helm template names the same templates.
		out := helmRun(t, "template", "r", dir)
		var sources []string
		for _, line := range strings.Split(out, "\n") {
			if s, ok := strings.CutPrefix(line, "# Source: "); ok {
				sources = append(sources, s+":1")
			}
		}
		slices.Sort(sources)
		if !slices.Equal(sources, want) {
			t.Errorf("helm template's sources: %v, kubenix's %v", sources, want)
		}
	}

	// A template error: where Helm says it is, and the file on disk.
	_, err = Render(context.Background(), opts(map[string]any{"front": map[string]any{"mode": nil}}))
	var te *TemplateError
	if !errors.As(err, &te) || te.Template != "aliased/charts/front/templates/cm.yaml" || te.Line != 6 || te.Col != 11 {
		t.Fatalf("want a template error at aliased/charts/front/templates/cm.yaml:6:11, got %#v", err)
	}
	if f := TemplateFile(abs, te.Template); f != childFile {
		t.Errorf("the error's file: %s, want %s", f, childFile)
	}
	if !testing.Short() {
		if out := helmRun(t, "template", "r", dir, "--set", "front.mode=null"); !strings.Contains(out, "aliased/charts/front/templates/cm.yaml:6:11") {
			t.Errorf("helm places the error elsewhere: %s", out)
		}
	}

	// A rendered object kubenix rejects (a key written twice; the line is
	// that of the rendered template, which {{- if}} made one shorter).
	_, err = Render(context.Background(), opts(map[string]any{"back": map[string]any{"twice": true}}))
	if !errors.As(err, &te) || te.Template != "aliased/charts/back/templates/cm.yaml" || te.Line != 7 {
		t.Fatalf("want an error at aliased/charts/back/templates/cm.yaml:7, got %#v", err)
	}
	if _, err := os.Stat(TemplateFile(abs, te.Template)); err != nil {
		t.Errorf("the error names no file on disk: %v", err)
	}
}

// helmRun runs the helm CLI and returns what it printed (both streams).
func helmRun(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := helmCLI()
	if err != nil {
		t.Fatalf("building helm: %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run()
	return out.String()
}
