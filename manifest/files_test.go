package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

const crdYAML = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, names: {kind: Widget, plural: widgets}, scope: Namespaced}
`

// A result's crds/ repeats its CRDs and hidden directories hold what
// kubectl does not read: neither is listed; other manifests are, in order.
func TestFilesSkipsWhatKubectlDoesNotRead(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".kubenix-result"), "")
	write(t, filepath.Join(dir, "b.yaml"), "")
	write(t, filepath.Join(dir, "a.json"), "")
	write(t, filepath.Join(dir, "notes.txt"), "")
	write(t, filepath.Join(dir, CRDDir, "c.yaml"), "")
	write(t, filepath.Join(dir, ".objects", "d.yaml"), "")
	write(t, filepath.Join(dir, "sub", "e.yml"), "")
	got, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.json"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "sub", "e.yml")}
	if !slices.Equal(got, want) {
		t.Errorf("Files = %v, want %v", got, want)
	}
	// Outside a result, crds/ is an ordinary directory.
	plain := t.TempDir()
	write(t, filepath.Join(plain, CRDDir, "c.yaml"), "")
	if got, _ := Files(plain); len(got) != 1 {
		t.Errorf("Files outside a result = %v, want crds/c.yaml", got)
	}
}

func TestReadCRDs(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "crds.yaml"), crdYAML+"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
	write(t, filepath.Join(dir, "bad.yaml"), "a: 1\na: 2\n")
	crds, problems, err := ReadCRDs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(crds) != 1 || crds[0].Name != "widgets.example.com" {
		t.Errorf("CRDs = %v, want widgets.example.com alone", crds)
	}
	if !problems.HasErrors() || problems[0].Pos.File != filepath.Join(dir, "bad.yaml") {
		t.Errorf("problems = %v, want the duplicate key of bad.yaml", problems)
	}

	_, _, err = ReadCRDs([]string{filepath.Join(dir, "missing")})
	var ue *diag.UsageError
	if !errors.As(err, &ue) {
		t.Errorf("a missing path: %v, want a usage error (exit 2)", err)
	}

	cm := filepath.Join(t.TempDir(), "cm.yaml")
	write(t, cm, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
	_, _, err = ReadCRDs([]string{dir, cm})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--crd "+cm+": no CustomResourceDefinition in it (1 other objects in 1 files)") {
		t.Errorf("a path without CRDs: %v, want a usage error naming it", err)
	}
}
