package apply

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/manifest"
)

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backups.shop.example.com}
spec:
  group: shop.example.com
  names: {kind: Backup, plural: backups}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
`

func TestReadPlansPhases(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "0010-namespace-shop.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
	write(t, dir, "0140-customresourcedefinition-backups.shop.example.com.yaml", crd)
	write(t, dir, "0500-backup-shop-nightly.yaml", "apiVersion: shop.example.com/v1\nkind: Backup\nmetadata: {name: nightly, namespace: shop}\n")
	write(t, dir, "0100-configmap-other-c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n")
	write(t, dir, "images.txt", "not a manifest\n")
	os.Mkdir(filepath.Join(dir, "crds"), 0o755)
	write(t, filepath.Join(dir, "crds"), "0140-customresourcedefinition-backups.shop.example.com.yaml", crd)

	p, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := func(es []Entry) string {
		var out []string
		for _, e := range es {
			out = append(out, filepath.Base(e.File))
		}
		return strings.Join(out, " ")
	}
	if got := names(p.Entries); got != "0010-namespace-shop.yaml 0100-configmap-other-c.yaml 0140-customresourcedefinition-backups.shop.example.com.yaml 0500-backup-shop-nightly.yaml" {
		t.Errorf("entries: %s", got)
	}
	if got := names(p.PhaseOne); got != "0010-namespace-shop.yaml 0140-customresourcedefinition-backups.shop.example.com.yaml" {
		t.Errorf("phase one: %s", got)
	}
	ns, crdObj := p.PhaseOne[0].Objects[0], p.PhaseOne[1].Objects[0]
	backup, cm := p.Entries[3].Objects[0], p.Entries[1].Objects[0]
	if !needs(backup, []*manifest.Object{crdObj}) || !needs(backup, []*manifest.Object{ns}) || needs(cm, []*manifest.Object{ns, crdObj}) {
		t.Error("needs: a Backup in shop needs the CRD and the Namespace; a ConfigMap in another namespace needs neither")
	}

	// Without CRDs, phase one holds the Namespaces (a dry run needs them).
	os.Remove(filepath.Join(dir, "0140-customresourcedefinition-backups.shop.example.com.yaml"))
	os.Remove(filepath.Join(dir, "0500-backup-shop-nightly.yaml"))
	if p, err := Read(dir); err != nil || len(p.CRDs) != 0 || names(p.PhaseOne) != "0010-namespace-shop.yaml" {
		t.Errorf("without CRDs: phase one %v, %v", p.PhaseOne, err)
	}
}

func TestReadBadResults(t *testing.T) {
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "no such result") {
		t.Errorf("missing: %v", err)
	}
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds no manifests") {
		t.Errorf("empty: %v", err)
	}
	dir := t.TempDir()
	write(t, dir, "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n")
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("broken YAML: %v", err)
	}
}

// The commands build prints for a result with CRDs of its own are the
// steps Run takes, typed by hand.
func TestByHand(t *testing.T) {
	want := []string{
		"kubectl apply -f out/crds/",
		"kubectl wait --for=condition=Established -f out/crds/",
		"kubectl apply -f out/",
	}
	if got := ByHand("out"); !slices.Equal(got, want) {
		t.Errorf("ByHand = %q, want %q", got, want)
	}
}
