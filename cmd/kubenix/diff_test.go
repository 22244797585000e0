package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenDiff compares the output of kubenix diff on two fixture
// directories byte for byte with testdata/diff/golden*. The fixtures cover
// an added, a removed and changed objects, a Secret, an apiVersion change,
// renamed files, objects moved between files, key order and layout
// changes, and a manifest without a namespace. Regenerate with `make golden`.
func TestGoldenDiff(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "diff"))
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"golden.txt", nil},
		{"golden-stat.txt", []string{"--stat"}},
		{"golden.json", []string{"-o", "json"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			r := kubenix(t, dir, append([]string{"diff", "old", "new"}, tc.args...)...)
			if r.code != 1 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 1 (the sides differ) and nothing on stderr", r.code, r.stderr)
			}
			golden := filepath.Join(dir, tc.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if r.stdout != string(want) {
				t.Errorf("output differs from %s (run make golden if the change is intended):\n--- golden\n%s\n--- output\n%s", tc.golden, want, r.stdout)
			}
		})
	}
}

func TestDiffExitCodes(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "diff"))
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"diff", "old", "old"}, 0, ""},
		{[]string{"diff", "new", "new", "--stat"}, 0, ""},
		{[]string{"diff", "old", "new"}, 1, ""},
		{[]string{"diff", "old", "missing"}, 2, "missing: no such file or directory"},
		{[]string{"diff", "old"}, 2, "takes OLD and NEW"},
		{[]string{"diff", "old", "new", "-o", "yaml"}, 2, "-o must be text or json"},
		{[]string{"diff", "old", "new", "-o", "json", "--stat"}, 2, "--stat is a text format"},
		{[]string{"diff", "old", "golden.txt"}, 2, "not a .nix file, a manifest"},
	} {
		r := kubenix(t, dir, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.stderr)
		}
	}
	r := kubenix(t, dir, "diff", "old", "old")
	if r.stdout != "0 added, 0 removed, 0 changed, 8 unchanged\n" {
		t.Errorf("identical sides: %q", r.stdout)
	}
	r = kubenix(t, dir, "diff", "old", "new", "--show-secrets")
	if !strings.Contains(r.stdout, "-  password: aHVudGVyMg==\n+  password: Y29ycmVjdCBob3JzZQ==\n") {
		t.Errorf("--show-secrets:\n%s", r.stdout)
	}
	if golden, _ := os.ReadFile(filepath.Join(dir, "golden.txt")); strings.Contains(string(golden), "aHVudGVyMg==") {
		t.Error("a Secret's value is in the default output")
	}
}

const diffApp = `{ kubenix, replicas ? 1 }: {
  ns = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "shop"; };
  web = import ./lib/web.nix { inherit replicas; };
}
`

const diffLib = `{ replicas }: {
  apiVersion = "apps/v1"; kind = "Deployment";
  metadata = { name = "web"; namespace = "shop"; };
  spec = {
    inherit replicas;
    selector.matchLabels.app = "web";
    template.metadata.labels.app = "web";
    template.spec.containers = [ { name = "web"; image = "nginx:1.27"; } ];
  };
}
`

// Every kind of side: a .nix file, a store result, an --out-dir, and
// REV:PATH in a git repository, with a relative import.
func TestDiffSides(t *testing.T) {
	requireNix(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=kubenix", "-c", "user.email=kubenix@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	os.MkdirAll(filepath.Join(repo, "deploy", "lib"), 0o755)
	writeFile(t, filepath.Join(repo, "deploy", "app.nix"), diffApp)
	writeFile(t, filepath.Join(repo, "deploy", "lib", "web.nix"), diffLib)
	git("add", ".")
	git("commit", "-q", "-m", "one")
	writeFile(t, filepath.Join(repo, "deploy", "lib", "web.nix"), strings.Replace(diffLib, "nginx:1.27", "nginx:1.28", 1))
	git("commit", "-q", "-a", "-m", "two")
	work := filepath.Join(repo, "deploy")

	// A .nix file against itself, and against a build of it.
	if r := kubenix(t, work, "diff", "app.nix", "app.nix"); r.code != 0 || r.stdout != "0 added, 0 removed, 0 changed, 2 unchanged\n" {
		t.Errorf("app.nix app.nix: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	kubenix(t, work, "build", "app.nix").mustSucceed(t)
	kubenix(t, work, "build", "app.nix", "--out-dir", "out").mustSucceed(t)
	for _, side := range []string{"result", "out"} {
		if r := kubenix(t, work, "diff", side, "app.nix"); r.code != 0 {
			t.Errorf("%s app.nix: exit %d\n%s%s", side, r.code, r.stdout, r.stderr)
		}
	}
	// Evaluation flags apply to the .nix sides.
	r := kubenix(t, work, "diff", "result", "app.nix", "--arg", "replicas", "3", "--stat")
	if r.code != 1 || r.stdout != "~ Deployment/shop/web | 2 +-\n0 added, 0 removed, 1 changed, 1 unchanged\n" {
		t.Errorf("--arg replicas 3: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The previous commit, which imports its own lib/web.nix.
	r = kubenix(t, work, "diff", "HEAD~1:app.nix", "app.nix")
	if r.code != 1 || !strings.HasPrefix(r.stdout, "~ Deployment/shop/web (changed)\n--- old/0280-deployment-shop-web.yaml\n+++ new/0280-deployment-shop-web.yaml\n") ||
		!strings.Contains(r.stdout, "-        image: nginx:1.27\n+        image: nginx:1.28\n") {
		t.Errorf("HEAD~1:app.nix app.nix: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := kubenix(t, work, "diff", "HEAD:app.nix", "result"); r.code != 0 {
		t.Errorf("HEAD:app.nix result: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Trouble is exit 2, and says what.
	r = kubenix(t, work, "diff", "v9:app.nix", "app.nix")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown git revision "v9"`) {
		t.Errorf("bad revision: exit %d, stderr %q", r.code, r.stderr)
	}
	writeFile(t, filepath.Join(work, "bad.nix"), `{ cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "x"; data.n = 1; }; }`)
	r = kubenix(t, work, "diff", "app.nix", "bad.nix")
	if r.code != 2 || !strings.Contains(r.stderr, "bad.nix:1:") || !strings.Contains(r.stderr, "ConfigMap/default/x: data.n") || !strings.Contains(r.stderr, "bad.nix is not valid; nothing compared") {
		t.Errorf("invalid side: exit %d, stderr %q", r.code, r.stderr)
	}
	git("add", "deploy/bad.nix")
	git("commit", "-q", "-m", "bad")
	r = kubenix(t, work, "diff", "HEAD:bad.nix", "app.nix")
	if r.code != 2 || !strings.Contains(r.stderr, "HEAD:deploy/bad.nix:1:") {
		t.Errorf("invalid side in a revision: exit %d, stderr %q", r.code, r.stderr)
	}
	r = kubenix(t, work, "diff", "app.nix", "app.nix", "--nix-instantiate", "/nonexistent/nix-instantiate")
	if r.code != 2 {
		t.Errorf("Nix missing: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestBuildDiff(t *testing.T) {
	requireNix(t)
	work := t.TempDir()
	os.MkdirAll(filepath.Join(work, "lib"), 0o755)
	writeFile(t, filepath.Join(work, "app.nix"), diffApp)
	writeFile(t, filepath.Join(work, "lib", "web.nix"), diffLib)

	for _, out := range [][]string{nil, {"--out-dir", "out"}} {
		// No previous result: everything is added.
		r := kubenix(t, work, append([]string{"build", "app.nix", "--diff"}, out...)...).mustSucceed(t)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 4 || lines[0] != "+ Namespace/shop (added)" || lines[2] != "2 added, 0 removed, 0 changed, 0 unchanged" {
			t.Errorf("%v first build --diff:\n%s", out, r.stdout)
		}
		if last := lines[len(lines)-1]; out == nil && !strings.HasPrefix(last, "/nix/store/") || out != nil && last != "out" {
			t.Errorf("%v: the last line is not where the result is: %q", out, last)
		}
		// A change: the diff against what was there, and the build still exits 0.
		r = kubenix(t, work, append([]string{"build", "app.nix", "--diff", "--arg", "replicas", "2"}, out...)...).mustSucceed(t)
		if !strings.Contains(r.stdout, "~ Deployment/shop/web (changed)\n") || !strings.Contains(r.stdout, "-  replicas: 1\n+  replicas: 2\n") ||
			!strings.Contains(r.stdout, "0 added, 0 removed, 1 changed, 1 unchanged\n") {
			t.Errorf("%v second build --diff:\n%s", out, r.stdout)
		}
		r = kubenix(t, work, append([]string{"build", "app.nix", "--diff", "--arg", "replicas", "2"}, out...)...).mustSucceed(t)
		if !strings.HasPrefix(r.stdout, "0 added, 0 removed, 0 changed, 2 unchanged\n") {
			t.Errorf("%v same build --diff:\n%s", out, r.stdout)
		}
	}
	if r := kubenix(t, work, "build", "app.nix", "--diff", "--no-out-link"); r.code != 2 || !strings.Contains(r.stderr, "--no-out-link replaces none") {
		t.Errorf("--diff --no-out-link: exit %d, stderr %q", r.code, r.stderr)
	}
	// Without --diff, stdout is only the store path, as before.
	r := kubenix(t, work, "build", "app.nix").mustSucceed(t)
	if strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("build without --diff printed %q", r.stdout)
	}
}

func TestDiffJSONSchema(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "diff"))
	r := kubenix(t, dir, "diff", "old", "new", "-o", "json")
	var doc struct {
		Old, New string
		Differ   bool
		Summary  map[string]int
		Objects  []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if doc.Old != "old" || doc.New != "new" || !doc.Differ || doc.Summary["added"] != 1 || doc.Summary["unchanged"] != 4 {
		t.Errorf("json: %+v", doc)
	}
	statuses := map[string]string{}
	for _, o := range doc.Objects {
		statuses[o["id"].(string)] = o["status"].(string)
	}
	for id, st := range map[string]string{
		"PodDisruptionBudget/shop/web": "added", "ConfigMap/shop/settings": "removed", "Ingress/shop/web": "changed",
		"Service/shop/web": "unchanged", "ConfigMap/shop/web": "unchanged", "ConfigMap/default/defaults": "unchanged",
	} {
		if statuses[id] != st {
			t.Errorf("%s: %q, want %q", id, statuses[id], st)
		}
	}
}
