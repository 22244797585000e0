package manifest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/nixstore"
)

func files(names ...string) []File {
	var out []File
	for _, n := range names {
		out = append(out, File{Name: n, Data: []byte("name: " + n + "\n")})
	}
	return out
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func TestWriteDirReplacesAndRemovesStale(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	ctx := context.Background()
	if err := WriteDir(ctx, dir, files("0010-namespace-a.yaml", "0100-configmap-a-old.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(ctx, dir, files("0010-namespace-a.yaml", "0100-configmap-a-new.yaml", "crds/0140-x.yaml")); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(listDir(t, dir), " ")
	if got != ".kubenix-result 0010-namespace-a.yaml 0100-configmap-a-new.yaml crds/0140-x.yaml" {
		t.Errorf("after second build: %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "0100-configmap-a-new.yaml")); string(b) != "name: 0100-configmap-a-new.yaml\n" {
		t.Errorf("content: %q", b)
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 1 {
		t.Errorf("temporary directories left behind: %v", ents)
	}
}

func TestWriteDirRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("mine"), 0o644)
	err := WriteDir(context.Background(), dir, files("0010-namespace-a.yaml"))
	var ue *diag.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "README.md") {
		t.Fatalf("want a usage error naming README.md, got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(b) != "mine" {
		t.Error("foreign file was touched")
	}
	if got := listDir(t, dir); len(got) != 1 {
		t.Errorf("directory changed: %v", got)
	}
}

// A cancelled write (SIGINT) leaves the previous directory exactly as it was
// and nothing half-written beside it.
func TestWriteDirCancelledLeavesPrevious(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := WriteDir(context.Background(), dir, files("0010-namespace-a.yaml")); err != nil {
		t.Fatal(err)
	}
	before := listDir(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := WriteDir(ctx, dir, files("0010-namespace-b.yaml", "0020-x.yaml"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if after := listDir(t, dir); !slices.Equal(before, after) {
		t.Errorf("previous result changed: %v -> %v", before, after)
	}
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("leftovers beside the result: %v", ents)
	}
}

func TestStoreTreeLayout(t *testing.T) {
	fs := []File{
		{Name: "0010-namespace-a.yaml", Data: []byte("a\n")},
		{Name: "crds/0140-crd-x.yaml", Data: []byte("x\n")},
		{Name: "images.txt", Data: []byte("nginx\n")},
	}
	tree := StoreTree(fs)
	dir := filepath.Join(t.TempDir(), "r")
	if err := nixstore.WriteTree(dir, tree); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		p := filepath.Join(dir, f.Name)
		b, err := os.ReadFile(p)
		if err != nil || string(b) != string(f.Data) {
			t.Errorf("%s: %q, %v", f.Name, b, err)
		}
		fi, _ := os.Lstat(p)
		isLink := fi.Mode()&os.ModeSymlink != 0
		if isLink != strings.HasSuffix(f.Name, ".yaml") {
			t.Errorf("%s: symlink = %v", f.Name, isLink)
		}
	}
	// kubectl -R must not find the content files a second time.
	for _, e := range listDir(t, filepath.Join(dir, objectsDir)) {
		if isManifestName(e) {
			t.Errorf("content file %s has a manifest extension", e)
		}
	}
}
