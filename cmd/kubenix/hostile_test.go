package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubenix/kubenix/image"
)

// addToStore adds path to the Nix store as it is (a symlink stays a
// symlink) and returns the store path.
func addToStore(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("nix-store", "--add", path).Output()
	if err != nil {
		t.Fatalf("nix-store --add %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

// kubenix registry serve reads a result's images.txt as untrusted data: it
// serves only archives that resolve into the Nix store, and runs nothing a
// result names, in the store or not.
func TestServeRunsNothing(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	script := filepath.Join(dir, "evil.sh")
	writeFile(t, script, "#!/bin/sh\ntouch "+marker+"\n")
	os.Chmod(script, 0o755)
	inStore := addToStore(t, script) // an executable in the store that is not an archive
	link := filepath.Join(dir, "kubenix-escape")
	os.Symlink(script, link)
	escape := addToStore(t, link) // a store path that is a symlink out of the store
	const ref = "localhost:5000/shop/web:0123456789abcdfghijklmnpqrsvwxyz"
	for _, tc := range []struct {
		name, list, want string
	}{
		{"outside the store", ref + "\tstore-hash\t" + script + "\tDeployment/shop/web\n", "refused: it is outside the Nix store"},
		{"a store symlink out of the store", ref + "\tstore-hash\t" + escape + "\tDeployment/shop/web\n", "leads to " + script + ", outside the Nix store"},
		{"a stream script never built", ref + "\tstore-hash\t" + inStore + "\tDeployment/shop/web\n", "which kubenix serve never runs"},
		{"a relative archive", ref + "\tstore-hash\t../evil.sh\tDeployment/shop/web\n", "images.txt line 1: the archive \"../evil.sh\" is not a clean absolute path"},
		{"an unknown pin", ref + "\texec\t" + inStore + "\tx\n", "images.txt line 1: unknown pin \"exec\""},
		{"a bad reference", "# comment\nNOT A REF\tstore-hash\t" + inStore + "\tx\n", "images.txt line 2: invalid image reference"},
		{"a bad digest", ref + "@sha256:nope\tstore-hash\t" + inStore + "\tx\n", "images.txt line 1: invalid image reference"},
		{"a control character", ref + "\tstore-hash\t" + inStore + "\x1b[2J\tx\n", "control characters"},
		{"a huge line", strings.Repeat("x", 100<<10) + "\n", "images.txt line 1: longer than 64 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := filepath.Join(dir, "result")
			os.RemoveAll(res)
			os.MkdirAll(res, 0o755)
			writeFile(t, filepath.Join(res, "images.txt"), tc.list)
			r := kubenix(t, dir, "registry", "serve", "--addr", "127.0.0.1:0", "result")
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want 2 and %q in:\n%s", r.code, tc.want, r.stderr)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("kubenix registry serve ran a program named in images.txt")
			}
		})
	}
	res := filepath.Join(dir, "result")
	os.RemoveAll(res)
	os.MkdirAll(res, 0o755)
	os.Symlink("/dev/zero", filepath.Join(res, "images.txt"))
	if r := kubenix(t, dir, "registry", "serve", "result"); r.code != 2 || !strings.Contains(r.stderr, "images.txt: not a regular file (a character device)") {
		t.Errorf("images.txt -> /dev/zero: exit %d\n%s", r.code, r.stderr)
	}
}

const tinyApp = `{ kubenix }: {
  cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata = { name = "a"; namespace = "default"; }; data.x = "1"; };
}
`

// No output path may lead into the Nix store: --out-dir result/sub, where
// result is a store result, once wrote into the store path.
func TestOutputIntoStoreRefused(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), tinyApp)
	kubenix(t, dir, "build", "app.nix").mustSucceed(t)
	storePath, err := os.Readlink(filepath.Join(dir, "result"))
	if err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Dir(storePath), filepath.Join(dir, "store"))
	for _, args := range [][]string{
		{"--out-dir", "result/sub"},
		{"--out-dir", "result"},
		{"--out-dir", "store/x"},
		{"--out-dir", filepath.Dir(storePath) + "/kubenix-out"},
		{"--out-link", "result/sub"},
		{"--out-link", "store/result"},
	} {
		r := kubenix(t, dir, append([]string{"build", "app.nix"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "kubenix never writes into "+filepath.Dir(storePath)) {
			t.Errorf("%v: exit %d, want 2 and a refusal:\n%s", args, r.code, r.stderr)
		}
	}
	if _, err := os.Lstat(filepath.Join(storePath, "sub")); err == nil {
		t.Error("a build wrote into a store path")
	}
	if out, err := exec.Command("nix-store", "--verify-path", storePath).CombinedOutput(); err != nil {
		t.Errorf("nix-store --verify-path %s: %v\n%s", storePath, err, out)
	}
	// The link itself may point into the store: it is replaced.
	kubenix(t, dir, "build", "app.nix", "--out-link", "result").mustSucceed(t)
}

// Five builds at once into one --out-dir, and into one out-link: each
// target ends up holding one build's complete result, and no temporaries.
func TestConcurrentBuildsLeaveOneWholeResult(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	const objects = 1500
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix, id }: builtins.genList (i: {
  apiVersion = "v1"; kind = "ConfigMap";
  metadata = { name = "cm-${toString i}"; namespace = "default"; };
  data.build = id;
}) `+fmt.Sprint(objects)+"\n")
	// The race this guards against does not show in every round.
	out := []string{"--out-dir", "out"}
	for _, target := range [][]string{out, out, out, {"--out-link", "link"}} {
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Go(func() {
				cmd := exec.Command(os.Args[0], append([]string{"build", "app.nix", "--argstr", "id", fmt.Sprint("build-", i)}, target...)...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "KUBENIX_TEST_AS_MAIN=1", "XDG_CACHE_HOME="+cacheHome(t))
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%v build %d: %v\n%s", target, i, err, out)
				}
			})
		}
		wg.Wait()
		files := readTree(t, filepath.Join(dir, target[1])+"/")
		builds := map[string]int{}
		n := 0
		for name, content := range files {
			if !strings.HasSuffix(name, ".yaml") {
				continue
			}
			n++
			_, id, _ := strings.Cut(content, "build: ")
			builds[strings.TrimSpace(strings.SplitN(id, "\n", 2)[0])]++
		}
		if n != objects || len(builds) != 1 {
			t.Errorf("%v: %d of %d objects, from builds %v", target, n, objects, builds)
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.Contains(e.Name(), "tmp") {
				t.Errorf("%v: %s left behind", target, e.Name())
			}
		}
	}
}

// kubectl's last-applied-configuration annotation of a Secret holds the
// whole Secret: kubenix diff hides its values there too, in every format.
func TestDiffHidesSecretsInAnnotations(t *testing.T) {
	dir := t.TempDir()
	secret := func(password, note string) string {
		applied := fmt.Sprintf(`{"apiVersion":"v1","data":{"password":%q},"kind":"Secret","metadata":{"name":"db","namespace":"shop"}}`, password)
		return fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '%s'
    note: %q
    team: %s
data:
  password: %s
`, applied, note, note[len(note)-4:], password)
	}
	os.MkdirAll(filepath.Join(dir, "old"), 0o755)
	os.MkdirAll(filepath.Join(dir, "new"), 0o755)
	// c2VjcmV0 is "secret", aHVudGVyMg== is "hunter2".
	writeFile(t, filepath.Join(dir, "old", "s.yaml"), secret("c2VjcmV0", "was secret"))
	writeFile(t, filepath.Join(dir, "new", "s.yaml"), secret("aHVudGVyMg==", "now hunter2 shop"))
	for _, args := range [][]string{nil, {"-o", "json"}, {"--stat"}, {"-U", "100"}} {
		r := kubenix(t, dir, append([]string{"diff", "old", "new"}, args...)...)
		if r.code != 1 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		for _, v := range []string{"c2VjcmV0", "aHVudGVyMg", "hunter2", "was secret"} {
			if strings.Contains(r.stdout, v) {
				t.Errorf("%v: the diff shows %q:\n%s", args, v, r.stdout)
			}
		}
		if args == nil && (!strings.Contains(r.stdout, `\"password\":\"(hidden, after)\"`) || !strings.Contains(r.stdout, "note: (hidden, after)") || !strings.Contains(r.stdout, "+    team: shop")) {
			t.Errorf("the diff must show what changed, hiding only values:\n%s", r.stdout)
		}
	}
}

// The hostile-input corpus: bad inputs of every kind, each with the exit
// code and the message a user sees, next to good inputs that must keep
// working. Fixtures are made here (FIFOs, device links, sparse files
// cannot be committed).
func TestHostileInputCorpus(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), tinyApp)
	writeFile(t, filepath.Join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n")
	writeFile(t, filepath.Join(dir, "tree.json"), `{"cm":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default"}}}`)
	writeFile(t, filepath.Join(dir, "bad.lock"), `{"version":1,"images":{"nginx:1.27":{"digest":"sha256:not-a-digest"}}}`)
	writeFile(t, filepath.Join(dir, "badchart.lock"), `{"version":1,"charts":{"r/c@1":{"repo":"https://x","chart":"c","version":"1","url":"https://x/c-1.tgz","sha256":"$(touch /tmp/x)"}}}`)
	for _, p := range []string{"fifo.yaml", "fifo.json", "fifo.nix", filepath.Join("fifodir", "x.yaml")} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := syscall.Mkfifo(filepath.Join(dir, p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "ints.nix"), `{ kubenix }: {
  d = { apiVersion = "apps/v1"; kind = "Deployment"; metadata.name = "a";
    spec = { replicas = 99999999999; selector.matchLabels.a = "b"; template.metadata.labels.a = "b";
             template.spec.containers = [ { name = "c"; image = "nginx:1.27"; } ]; }; };
}
`)
	os.MkdirAll(filepath.Join(dir, "linked", "templates"), 0o755)
	writeFile(t, filepath.Join(dir, "linked", "Chart.yaml"), "apiVersion: v2\nname: linked\nversion: 0.1.0\n")
	os.Symlink("/etc/passwd", filepath.Join(dir, "linked", "templates", "passwd.yaml"))
	os.MkdirAll(filepath.Join(dir, "rec", "templates"), 0o755)
	writeFile(t, filepath.Join(dir, "rec", "Chart.yaml"), "apiVersion: v2\nname: rec\nversion: 0.1.0\n")
	writeFile(t, filepath.Join(dir, "rec", "templates", "cm.yaml"), "{{- define \"a\" }}{{ include \"a\" . }}{{ end }}\nx: {{ include \"a\" . }}\n")
	writeFile(t, filepath.Join(dir, "rec.nix"), `{ kubenix }: { c = kubenix.helm.chart { chart = ./rec; name = "x"; namespace = "default"; }; }`)
	writeFile(t, filepath.Join(dir, "leaf.nix"), "{ kubenix }:\n  \"remember the service\"\n")
	writeFile(t, filepath.Join(dir, "chart.nix"), `{ kubenix }: { c = kubenix.helm.chart { chart = ./linked; name = "x"; namespace = "default"; }; }`)
	writeFile(t, filepath.Join(dir, "escape.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"a\\nerror: fake\\e[2J\", namespace: default}\n")
	for name, content := range map[string]string{
		"bomb.yaml":         "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
		"dupkey.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: {x: '1', x: '2'}\n",
		"noapi.yaml":        "kind: ConfigMap\nmetadata: {name: a}\n",
		"unknownkind.yaml":  "apiVersion: v1\nkind: Widget\nmetadata: {name: a}\n",
		"unknownfield.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\nspec: {x: 1}\n",
		"removedapi.yaml":   "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a, namespace: default}\n",
		"wrongtype.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: default}\nspec: {replicas: three, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: nginx}]}}}\n",
		"binary.yaml":       "\xff\xfe garbage\n",
		"empty.yaml":        "",
		"dupobj.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
		"list.yaml":         "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, namespace: default}\n",
	} {
		writeFile(t, filepath.Join(dir, name), content)
	}
	os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml"))
	os.MkdirAll(filepath.Join(dir, "zerolock"), 0o755)
	writeFile(t, filepath.Join(dir, "zerolock", "app.nix"), tinyApp)
	os.Symlink("/dev/zero", filepath.Join(dir, "zerolock", "kubenix.lock"))
	huge, _ := os.Create(filepath.Join(dir, "huge.yaml"))
	huge.Truncate(600 << 20) // sparse: no disk used
	huge.Close()

	for _, tc := range []struct {
		args []string
		code int
		want string // a fragment of stderr
		once bool   // the fragment must appear exactly once
		not  string // a fragment stderr must not have
	}{
		// Good input keeps working.
		{args: []string{"check", "app.nix"}, code: 0},
		{args: []string{"check", "cm.yaml", "--format", "json"}, code: 0},
		{args: []string{"eval", "app.nix", "--format", "github"}, code: 0},
		{args: []string{"build", "--from-json", "tree.json", "--no-out-link"}, code: 0},
		{args: []string{"explain", "deployment.spec.replicas"}, code: 0},
		{args: []string{"images", "lock", "app.nix", "--lock", "new.lock"}, code: 0}, // a lock being written may be new
		{args: []string{"check", "empty.yaml"}, code: 0, want: "0 objects checked: 0 errors"},
		{args: []string{"check", "list.yaml"}, code: 0, want: "1 objects checked: 0 errors"},
		// Manifests: every problem at its line, one error each.
		{args: []string{"check", "bomb.yaml"}, code: 1, want: "bomb.yaml:1:1: error: yaml: document contains excessive aliasing"},
		{args: []string{"check", "dupkey.yaml"}, code: 1, want: `dupkey.yaml:4:16: error: ConfigMap/default/a: data.x: duplicate key "x"`, once: true},
		{args: []string{"check", "noapi.yaml"}, code: 1, want: `noapi.yaml:1:1: error: apiVersion: object has kind "ConfigMap" but no apiVersion`},
		{args: []string{"check", "unknownkind.yaml"}, code: 1, want: "unknownkind.yaml:2:1: error: Widget/a: kind: unknown kind v1 Widget"},
		{args: []string{"check", "unknownfield.yaml"}, code: 1, want: "unknownfield.yaml:4:1: error: ConfigMap/default/a: spec: unknown field"},
		{args: []string{"check", "removedapi.yaml"}, code: 1, want: "extensions/v1beta1 Ingress was removed in Kubernetes 1.22"},
		{args: []string{"check", "wrongtype.yaml"}, code: 1, want: "wrongtype.yaml:4:8: error: Deployment/default/a: spec.replicas: Invalid value: \"string\"", once: true},
		{args: []string{"check", "dupobj.yaml"}, code: 1, want: "dupobj.yaml:6:1: error: ConfigMap/default/a: defined more than once\n  see also dupobj.yaml:2:1"},
		{args: []string{"check", "binary.yaml"}, code: 1, want: "binary.yaml: error: YAML:"},
		// Flags are validated before any work, once, at the flag.
		{args: []string{"check", "app.nix", "--format", "xml"}, code: 2, want: `--format "xml": want one of text, json, github`},
		{args: []string{"eval", "app.nix", "--format", "xml"}, code: 2, want: `--format "xml"`},
		{args: []string{"build", "app.nix", "--no-out-link", "--format", "xml"}, code: 2, want: `--format "xml"`},
		{args: []string{"check", "app.nix", "-n", "Bad_NS"}, code: 2, want: `--namespace "Bad_NS" is not a valid namespace`, once: true},
		{args: []string{"check", "cm.yaml", "-n", "Bad_NS"}, code: 2, want: `Bad_NS`, once: true},
		{args: []string{"check", "app.nix", "--crd", "missing-dir/"}, code: 2, want: "--crd missing-dir/: no such file or directory"},
		{args: []string{"check", "app.nix", "--crd", "missing.yaml"}, code: 2, want: "--crd missing.yaml: no such file or directory"},
		{args: []string{"build", "app.nix", "--no-out-link", "--lock", "/missing.lock"}, code: 2, want: "--lock /missing.lock: no such file or directory"},
		{args: []string{"explain", "../../etc"}, code: 2, want: `"../../etc" is not a RESOURCE[.FIELD...]`},
		{args: []string{"check", "app.nix", "--nix-instantiate", "/bin/false"}, code: 2, want: "--nix-instantiate /bin/false: /bin/false failed (exit status 1) when asked its --version"},
		// One error per problem, at its field.
		{args: []string{"check", "ints.nix"}, code: 1, want: "ints.nix:3:14: error: Deployment/default/a: spec.replicas: Invalid value: 99999999999", not: "<nil>"},
		{args: []string{"check", "leaf.nix"}, code: 1, want: `leaf.nix: error: expected a Kubernetes object (an attrset with apiVersion and kind), or an attrset or list of them; found a string ("remember the service")`},
		// What a user wrote reaches the terminal escaped, on one line.
		{args: []string{"check", "escape.yaml"}, code: 1, want: `ConfigMap/default/a\nerror: fake\x1b[2J: metadata.name: Invalid value`, not: "\x1b"},
		// Charts stay inside their directory.
		{args: []string{"check", "chart.nix"}, code: 1, want: "templates/passwd.yaml is a symlink to /etc/passwd, outside the chart directory", not: "root:x:0:0"},
		{args: []string{"check", "rec.nix"}, code: 1, want: `rec/templates/cm.yaml:2:6: error: chart rec: executing "rec/templates/cm.yaml" at <include "a" .>: error calling include: template: rec/templates/cm.yaml:1:20: executing "a" at <include "a" .>: [the same `},
		// Locks pin digests, nothing else.
		{args: []string{"build", "app.nix", "--no-out-link", "--lock", "bad.lock"}, code: 1, want: `bad.lock:1:24: error: image nginx:1.27: digest "sha256:not-a-digest" is not sha256: and 64 lowercase hex digits`},
		{args: []string{"check", "app.nix", "--lock", "badchart.lock"}, code: 1, want: `badchart.lock:1:24: error: chart r/c@1: sha256 "$(touch /tmp/x)" is not 64 hex digits`},
		// Inputs are regular files of a bounded size: no hang, no crash.
		{args: []string{"check", "fifo.yaml"}, code: 2, want: "fifo.yaml: not a regular file (a FIFO)"},
		{args: []string{"check", "fifodir"}, code: 2, want: "not a regular file (a FIFO)"},
		{args: []string{"check", "fifo.nix"}, code: 2, want: "fifo.nix: not a regular file (a FIFO)"},
		{args: []string{"eval", "/dev/zero"}, code: 2, want: "/dev/zero: not a regular file (a character device)"},
		{args: []string{"check", "zero.yaml"}, code: 2, want: "zero.yaml: not a regular file (a character device)"},
		{args: []string{"check", "huge.yaml"}, code: 2, want: "huge.yaml: larger than 512 MiB, more than kubenix reads"},
		{args: []string{"diff", "fifo.yaml", "cm.yaml"}, code: 2, want: "not a regular file (a FIFO)"},
		{args: []string{"check", "app.nix", "--crd", "zero.yaml"}, code: 2, want: "not a regular file (a character device)"},
		{args: []string{"build", "--from-json", "fifo.json", "--no-out-link"}, code: 2, want: "fifo.json: not a regular file (a FIFO)"},
		{args: []string{"secrets", "encrypt", "zero.yaml", "--age", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"}, code: 2, want: "zero.yaml: not a regular file (a character device)"},
		{args: []string{"check", "zerolock/app.nix"}, code: 2, want: "kubenix.lock: not a regular file (a character device)"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := kubenix(t, dir, tc.args...)
			out := r.stderr + r.stdout // check prints its diagnostics on stdout
			if r.code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want %d and %q in:\n%s", r.code, tc.code, tc.want, out)
			}
			if tc.not != "" && strings.Contains(out, tc.not) {
				t.Errorf("%q in:\n%s", tc.not, out)
			}
			if tc.once && strings.Count(out, tc.want) != 1 {
				t.Errorf("%q reported %d times:\n%s", tc.want, strings.Count(out, tc.want), out)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("a crash:\n%s", r.stderr)
			}
		})
	}
}

// SIGINT or SIGTERM after Nix has finished, while a large check runs (or
// during an evaluation): exit 2 and the interrupted message, not the end
// of the command.
func TestInterruptAfterEvaluation(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 60000 {
		fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d, namespace: default}\ndata: {a: \"%d\"}\n---\n", i, i)
	}
	writeFile(t, filepath.Join(dir, "big.yaml"), b.String())
	writeFile(t, filepath.Join(dir, "big.nix"), `{ kubenix }: builtins.genList (i: {
  apiVersion = "v1"; kind = "ConfigMap"; metadata = { name = "cm-${toString i}"; namespace = "default"; }; data.a = toString i;
}) 60000
`)
	for _, tc := range []struct {
		args []string
		sig  syscall.Signal
	}{
		{[]string{"check", "big.yaml"}, syscall.SIGINT},
		{[]string{"diff", "big.yaml", "big.yaml"}, syscall.SIGINT},
		{[]string{"check", "big.yaml"}, syscall.SIGTERM},
		{[]string{"eval", "big.nix"}, syscall.SIGTERM},
	} {
		args := tc.args
		cmd := exec.Command(os.Args[0], args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "KUBENIX_TEST_AS_MAIN=1", "XDG_CACHE_HOME="+cacheHome(t))
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Signal once the process has done some work of its own (CPU
		// time, not wall time: a loaded machine starts it late), so the
		// handler is installed and, for eval, Nix has answered.
		if !busyFor(cmd.Process.Pid, 150*time.Millisecond, 30*time.Second) {
			cmd.Wait()
			t.Fatalf("%v: ended before it had worked 150ms (exit %d); the test needs a bigger input", args, cmd.ProcessState.ExitCode())
		}
		cmd.Process.Signal(tc.sig)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("%v: exit %d, stderr %q, stdout %.200q; want 2 and interrupted", args, code, stderr.String(), stdout.String())
		}
	}
}

// busyFor waits until process pid has used at least cpu of CPU time (user
// and system, from /proc/PID/stat), and says false if it ended first or
// the wait took longer than limit.
func busyFor(pid int, cpu, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false
		}
		// The command name (field 2) is in parentheses and may hold
		// spaces; state, then utime and stime are fields 14 and 15.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 || f[0] == "Z" {
			return false
		}
		var utime, stime int64
		fmt.Sscan(f[11], &utime)
		fmt.Sscan(f[12], &stime)
		if time.Duration(utime+stime)*10*time.Millisecond >= cpu { // USER_HZ is 100 on Linux
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// startedChild waits until process pid has a child process (it runs
// nix-instantiate), or limit passed.
func startedChild(pid int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
		for _, f := range tasks {
			if b, err := os.ReadFile(f); err == nil && len(strings.TrimSpace(string(b))) > 0 {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A stream script (streamLayeredImage) is run by the build that pins it,
// never by registry serve, which serves what that build extracted into
// the cache, and refuses when no build did.
func TestServeStreamImageFromBuildCache(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	imageApp(t, dir, "nginx:1.27", "stream = true;")
	kubenix(t, dir, "build", "app.nix", "--images", "build").mustSucceed(t)
	m := pinnedRef.FindStringSubmatch(readTree(t, filepath.Join(dir, "result")+"/")["0280-deployment-shop-web.yaml"])
	if m == nil {
		t.Fatal("the build did not pin the stream image by digest")
	}
	result := filepath.Join(dir, "result")
	err := image.ServeRegistry(context.Background(), result, "127.0.0.1:0", t.TempDir(), func(image.ServeEvent) {})
	if err == nil || !strings.Contains(err.Error(), "which kubenix serve never runs") {
		t.Errorf("serve with a cache no build filled: %v", err)
	}
	addr, stop := serveResult(t, result)
	ref, _ := name.ParseReference(addr+"/shop/web@"+m[2], name.Insecure)
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if _, err := img.ConfigFile(); err != nil {
		t.Errorf("config: %v", err)
	}
	stop()
}
