package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// .pre-commit-hooks.yaml offers kubenix-check built with Go and
// kubenix-check-system from PATH, on .nix apps and manifests, and its
// entry is a command line kubenix accepts.
func TestPreCommitHooks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct{ ID, Entry, Language, Files, Exclude string }
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatal(err)
	}
	langs := map[string]string{}
	for _, h := range hooks {
		langs[h.ID] = h.Language
		files, exclude := regexp.MustCompile(h.Files), regexp.MustCompile(h.Exclude)
		hooked := func(p string) bool { return files.MatchString(p) && !exclude.MatchString(p) }
		for _, p := range []string{"deploy/app.nix", "k8s/svc.yaml", "k8s/svc.yml", "crds/a.json", "default.nix"} {
			if !hooked(p) {
				t.Errorf("%s: does not check %s", h.ID, p)
			}
		}
		for _, p := range []string{"flake.nix", "sub/shell.nix", "README.md", "flake.lock"} {
			if hooked(p) {
				t.Errorf("%s: checks %s", h.ID, p)
			}
		}
		args := strings.Fields(h.Entry)
		if args[0] != "kubenix" {
			t.Errorf("%s: entry %q", h.ID, h.Entry)
			continue
		}
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
		if r := kubenix(t, dir, append(args[1:], "cm.yaml")...); r.code != 0 {
			t.Errorf("%s: %q on a valid manifest: exit %d\n%s", h.ID, h.Entry, r.code, r.stderr)
		}
	}
	if langs["kubenix-check"] != "golang" || langs["kubenix-check-system"] != "system" {
		t.Errorf("hooks: %v", langs)
	}
}
