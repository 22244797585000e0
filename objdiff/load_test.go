package objdiff

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/pipeline"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func entries(s *Side) []string {
	var out []string
	for _, e := range s.Entries {
		out = append(out, e.File+" "+e.object().ID())
	}
	slices.Sort(out)
	return out
}

// A store result: a link to a directory of links into .objects/, plus
// images.txt, none of which are objects of their own.
func TestLoadStoreResult(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store-path")
	write(t, filepath.Join(store, ".objects", "aaaa"), ns)
	write(t, filepath.Join(store, ".objects", "bbbb"), cm)
	write(t, filepath.Join(store, "images.txt"), "nginx:1.27\tnone\t\tDeployment/shop/web\n")
	os.Symlink(".objects/aaaa", filepath.Join(store, "0010-namespace-shop.yaml"))
	os.Symlink(".objects/bbbb", filepath.Join(store, "0100-configmap-shop-cfg.yaml"))
	link := filepath.Join(dir, "result")
	os.Symlink(store, link)

	s, err := (&Loader{}).Load(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0010-namespace-shop.yaml Namespace/shop", "0100-configmap-shop-cfg.yaml ConfigMap/shop/cfg"}
	if got := entries(s); !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
}

func TestLoadManifestDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "apps", "web.yaml"), deployV1+"---\n"+`apiVersion: v1
kind: ConfigMap
metadata: {name: no-namespace}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
`)
	write(t, filepath.Join(dir, ".kubenix-result"), "apps/web.yaml\n")
	write(t, filepath.Join(dir, "README.md"), "not a manifest\n")
	s, err := (&Loader{}).Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"apps/web.yaml ClusterRole/reader", "apps/web.yaml ConfigMap/default/no-namespace", "apps/web.yaml Deployment/shop/web"}
	if got := entries(s); !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
	s, err = (&Loader{Options: optionsWithNamespace("team")}).Load(context.Background(), filepath.Join(dir, "apps", "web.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := entries(s); !slices.Contains(got, "web.yaml ConfigMap/team/no-namespace") {
		t.Errorf("--namespace team: %v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "twice", "a.yaml"), cm)
	write(t, filepath.Join(dir, "twice", "b.yaml"), "# the same\n"+cm)
	write(t, filepath.Join(dir, "broken", "x.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n")
	write(t, filepath.Join(dir, "notes.txt"), "hello")
	for _, tc := range []struct {
		arg, usage, invalid string
	}{
		{"does-not-exist", "does-not-exist: no such file or directory", ""},
		{"notes.txt", "notes.txt: not a .nix file, a manifest", ""},
		{"twice", "", "twice/b.yaml:3:1: ConfigMap/shop/cfg: defined more than once in twice: also in a.yaml"},
		{"broken", "", "broken/x.yaml:2: YAML:"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			t.Chdir(dir)
			_, err := (&Loader{}).Load(context.Background(), tc.arg)
			var ue *diag.UsageError
			var inv *diag.InvalidInput
			switch {
			case tc.usage != "":
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.usage) {
					t.Errorf("err = %v, want a usage error %q", err, tc.usage)
				}
			case !errors.As(err, &inv) || !strings.Contains(err.Error(), tc.invalid):
				t.Errorf("err = %v, want invalid input %q", err, tc.invalid)
			}
		})
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=kubenix", "-c", "user.email=kubenix@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// REV:PATH of a directory of manifests: no Nix needed.
func TestLoadRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	write(t, filepath.Join(repo, "deploy", "k8s", "ns.yaml"), ns)
	write(t, filepath.Join(repo, "deploy", "k8s", "cm.yaml"), cm)
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "one")
	os.Remove(filepath.Join(repo, "deploy", "k8s", "cm.yaml"))
	write(t, filepath.Join(repo, "deploy", "k8s", "broken.yaml"), "kind: [")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "two")
	os.RemoveAll(filepath.Join(repo, "deploy", "k8s")) // only in git now

	t.Chdir(filepath.Join(repo, "deploy"))
	ld := &Loader{}
	s, err := ld.Load(context.Background(), "HEAD~1:k8s")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cm.yaml ConfigMap/shop/cfg", "ns.yaml Namespace/shop"}
	if got := entries(s); !slices.Equal(got, want) {
		t.Errorf("HEAD~1:k8s: %v, want %v", got, want)
	}
	// Problems name the file as git would: REV:path-in-repository.
	_, err = ld.Load(context.Background(), "HEAD:k8s")
	if err == nil || !strings.HasPrefix(err.Error(), "HEAD:deploy/k8s/broken.yaml:1:") {
		t.Errorf("HEAD:k8s: err = %v", err)
	}
	for arg, msg := range map[string]string{
		"nope:k8s":      `unknown git revision "nope"`,
		"HEAD:missing":  "deploy/missing does not exist in revision HEAD",
		"HEAD:":         "needs a PATH",
		"-x:k8s":        `"-x" is not a git revision`,
		"HEAD:../../..": "is not in a git repository",
	} {
		_, err := ld.Load(context.Background(), arg)
		var ue *diag.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: err = %v, want a usage error containing %q", arg, err, msg)
		}
	}
	// Nothing is left behind in the temporary directory.
	left, _ := filepath.Glob(filepath.Join(os.TempDir(), "kubenix-diff-*"))
	for _, l := range left {
		if fi, err := os.Stat(l); err == nil && fi.ModTime().After(startTime) {
			t.Errorf("left behind: %s", l)
		}
	}
}

func TestExistingFileWinsOverRevision(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "HEAD:cm.yaml"), cm)
	t.Chdir(dir)
	s, err := (&Loader{}).Load(context.Background(), "HEAD:cm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) != 1 {
		t.Errorf("entries: %v", entries(s))
	}
}

var startTime = time.Now()

func optionsWithNamespace(ns string) pipeline.Options { return pipeline.Options{Namespace: ns} }
