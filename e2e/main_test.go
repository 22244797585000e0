package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/internal/nixtest"
)

// The control plane and kubenix binary all tests share; set by TestMain.
var (
	cp       *ControlPlane
	kubenixB string
	skip     string
)

// TestMain builds kubenix, starts one control plane for all tests and
// stops it whatever the tests do.
func TestMain(m *testing.M) {
	nixtest.Offline()
	bin := os.Getenv("KUBENIX_E2E_BIN")
	if bin == "" {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "e2e: KUBENIX_E2E_BIN is not set; make test builds the control plane and sets it")
			os.Exit(1)
		}
		skip = "KUBENIX_E2E_BIN is not set: run make e2e (or make test)"
		os.Exit(m.Run())
	}
	os.Exit(run(m, bin))
}

func run(m *testing.M, bin string) int {
	dir, err := os.MkdirTemp("", "kubenix-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	kubenixB = filepath.Join(dir, "kubenix")
	build := exec.Command("go", "build", "-o", kubenixB, "./cmd/kubenix")
	build.Dir = repoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building kubenix: %v\n%s", err, out)
		return 1
	}
	os.Mkdir(filepath.Join(dir, "cluster"), 0o755)
	cp, err = Start(context.Background(), bin, filepath.Join(dir, "cluster"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer cp.Stop()
	return m.Run()
}

func needCluster(t *testing.T) {
	t.Helper()
	if skip != "" {
		t.Skip(skip)
	}
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

type result struct {
	code           int
	stdout, stderr string
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil && exitCode(err) < 0 {
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return result{exitCode(err), out.String(), errb.String()}
}

// kubenix runs the kubenix binary in dir.
func kubenix(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(kubenixB, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(os.TempDir(), "kubenix-e2e-cache"), "NO_COLOR=1")
	return runCmd(t, cmd)
}

// kubectl runs kubectl against the control plane.
func kubectl(t *testing.T, args ...string) result {
	t.Helper()
	return runCmd(t, cp.Kubectl(context.Background(), args...))
}

func (r result) must(t *testing.T, what string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.stdout, r.stderr)
	}
	return r
}
