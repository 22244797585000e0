package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestBuildStoreResult(t *testing.T) {
	requireNix(t)
	root := repoRoot(t)
	work := t.TempDir()
	app := filepath.Join(root, "examples", "hello", "app.nix")
	r := kubenix(t, work, "build", app).mustSucceed(t)
	storePath := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(storePath, "/nix/store/") || !strings.HasSuffix(storePath, "-app-manifests") {
		t.Fatalf("stdout %q is not the store path", r.stdout)
	}
	if target, err := os.Readlink(filepath.Join(work, "result")); err != nil || target != storePath {
		t.Fatalf("result -> %q (%v), want %s", target, err, storePath)
	}
	first := readTree(t, filepath.Join(work, "result")+"/")
	var names []string
	for n := range first {
		if !strings.HasPrefix(n, ".objects/") {
			names = append(names, n)
		}
	}
	if strings.Join(sorted(names), " ") != "0010-namespace-hello.yaml 0230-service-hello-hello.yaml 0280-deployment-hello-hello.yaml images.txt" {
		t.Errorf("result entries: %v", names)
	}
	fi, _ := os.Lstat(filepath.Join(storePath, "0010-namespace-hello.yaml"))
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Error("entries must be symlinks to content-addressed files")
	}
	roots, _ := exec.Command("nix-store", "--gc", "--print-roots").Output()
	if !strings.Contains(string(roots), filepath.Join(work, "result")) {
		t.Error("result is not a GC root")
	}

	// Same input, same store path, same bytes.
	r2 := kubenix(t, work, "build", app, "--out-link", "again").mustSucceed(t)
	if strings.TrimSpace(r2.stdout) != storePath {
		t.Errorf("second build gave %s, first %s", r2.stdout, storePath)
	}
	second := readTree(t, filepath.Join(work, "again")+"/")
	if len(first) != len(second) {
		t.Fatal("second build differs")
	}
	for k, v := range first {
		if second[k] != v {
			t.Errorf("%s differs between builds", k)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestBuildOutDir(t *testing.T) {
	requireNix(t)
	root := repoRoot(t)
	work := t.TempDir()
	app := filepath.Join(root, "examples", "params", "app.nix")
	kubenix(t, work, "build", app, "--argstr", "env", "prod", "--out-dir", "deploy").mustSucceed(t)
	prod := readTree(t, filepath.Join(work, "deploy"))
	if _, ok := prod["0340-ingress-blog-prod-blog.yaml"]; !ok {
		t.Fatalf("prod build lacks the ingress: %v", keys(prod))
	}
	// dev has no Ingress: the stale file must go.
	kubenix(t, work, "build", app, "--out-dir", "deploy").mustSucceed(t)
	dev := readTree(t, filepath.Join(work, "deploy"))
	for n := range dev {
		if strings.Contains(n, "ingress") || strings.Contains(n, "prod") {
			t.Errorf("stale file %s left in --out-dir", n)
		}
	}
	if _, err := os.Lstat(filepath.Join(work, "result")); err == nil {
		t.Error("--out-dir must not create ./result")
	}
}

// A build that fails leaves the previous result as it was.
func TestFailedBuildKeepsPreviousResult(t *testing.T) {
	requireNix(t)
	work := t.TempDir()
	good := filepath.Join(repoRoot(t), "examples", "hello", "app.nix")
	kubenix(t, work, "build", good).mustSucceed(t)
	kubenix(t, work, "build", good, "--out-dir", "out").mustSucceed(t)
	before, _ := os.Readlink(filepath.Join(work, "result"))
	beforeDir := readTree(t, filepath.Join(work, "out"))

	bad := filepath.Join(work, "bad.nix")
	os.WriteFile(bad, []byte(`{ a = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "x"; }; b = throw "no"; }`), 0o644)
	if r := kubenix(t, work, "build", bad); r.code != 1 {
		t.Fatalf("bad build: exit %d", r.code)
	}
	if r := kubenix(t, work, "build", bad, "--out-dir", "out"); r.code != 1 {
		t.Fatalf("bad build: exit %d", r.code)
	}
	after, _ := os.Readlink(filepath.Join(work, "result"))
	if after != before {
		t.Errorf("result changed from %s to %s", before, after)
	}
	afterDir := readTree(t, filepath.Join(work, "out"))
	if len(afterDir) != len(beforeDir) {
		t.Errorf("out dir changed")
	}
}

// SIGINT during a build: exit 2, the previous result untouched, nothing
// half-written. The evaluation is made slow so the signal lands mid-build.
func TestInterruptedBuildKeepsPreviousResult(t *testing.T) {
	requireNix(t)
	work := t.TempDir()
	good := filepath.Join(repoRoot(t), "examples", "hello", "app.nix")
	kubenix(t, work, "build", good).mustSucceed(t)
	kubenix(t, work, "build", good, "--out-dir", "out").mustSucceed(t)
	before, _ := os.Readlink(filepath.Join(work, "result"))
	entriesBefore, _ := os.ReadDir(work)

	slow := filepath.Join(work, "slow.nix")
	os.WriteFile(slow, []byte(`{
  cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "x";
         data.n = let loop = n: acc: if n == 0 then acc else loop (n - 1) (acc + 1);
                  in toString (builtins.foldl' (a: i: a + loop 1000 0) 0 (builtins.genList (x: x) 15000)); };
}`), 0o644)
	for _, extra := range [][]string{nil, {"--out-dir", "out"}} {
		cmd := exec.Command(os.Args[0], append([]string{"build", slow}, extra...)...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "KUBENIX_TEST_AS_MAIN=1", "XDG_CACHE_HOME="+cacheHome(t))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(700 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		if code != 2 || !strings.Contains(stderr.String(), "interrupted") {
			t.Fatalf("%v: exit %d (%v), stderr %q; want 2 and 'interrupted'", extra, code, err, stderr.String())
		}
	}
	after, _ := os.Readlink(filepath.Join(work, "result"))
	if after != before {
		t.Errorf("result changed from %s to %s", before, after)
	}
	entriesAfter, _ := os.ReadDir(work)
	if len(entriesAfter) != len(entriesBefore)+1 { // + slow.nix
		t.Errorf("entries before %v, after %v", entriesBefore, entriesAfter)
	}
	if _, err := os.Stat(filepath.Join(work, "out", "0010-namespace-hello.yaml")); err != nil {
		t.Errorf("--out-dir result damaged: %v", err)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sorted(out)
}

// A build with its own CRDs carries them once more in crds/ (a link to the
// same content in a store result) and says how to apply it.
func TestBuildCRDsDirectory(t *testing.T) {
	requireNix(t)
	work := t.TempDir()
	r := kubenix(t, work, "build", filepath.Join(repoRoot(t), "examples", "crd", "app.nix")).mustSucceed(t)
	const crd = "0140-customresourcedefinition-backups.shop.example.com.yaml"
	target, err := os.Readlink(filepath.Join(work, "result", "crds", crd))
	if err != nil || !strings.HasPrefix(target, "../.objects/") {
		t.Fatalf("result/crds/%s -> %q, %v", crd, target, err)
	}
	top, _ := os.Readlink(filepath.Join(work, "result", crd))
	if "../"+top != target {
		t.Errorf("crds/ holds other content than the top level: %s vs %s", target, top)
	}
	for _, want := range []string{
		"Backup/shop/nightly is a custom resource of a CRD this build defines",
		"kubectl apply -f result/crds/ && kubectl wait --for=condition=Established -f result/crds/ && kubectl apply -f result/",
		"kubenix apply result",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("build output lacks %q:\n%s", want, r.stderr)
		}
	}
	// check and diff read the result as kubectl does: the link followed,
	// the CRDs once.
	for _, arg := range []string{"result", "result/"} {
		if r := kubenix(t, work, "check", arg); r.code != 0 || !strings.Contains(r.stdout, "3 objects checked") {
			t.Errorf("check %s: exit %d\n%s%s", arg, r.code, r.stdout, r.stderr)
		}
	}
	if r := kubenix(t, work, "diff", "result", filepath.Join(repoRoot(t), "examples", "crd", "app.nix")); r.code != 0 {
		t.Errorf("diff of a result and its source: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A build without custom resources of its own CRDs says nothing of it.
	r = kubenix(t, work, "build", filepath.Join(repoRoot(t), "examples", "hello", "app.nix"), "--out-link", "hello").mustSucceed(t)
	if strings.Contains(r.stderr, "CRD") {
		t.Errorf("hello: %s", r.stderr)
	}
	if _, err := os.Lstat(filepath.Join(work, "hello", "crds")); err == nil {
		t.Error("a build without CRDs has a crds/ directory")
	}
}
