package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/internal/nixtest"
)

// TestMain lets the test binary act as the kubenix binary, so tests can run
// it as a real process (signals, exit codes) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("KUBENIX_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	nixtest.Offline()
	code := m.Run()
	if sharedCache != "" {
		os.RemoveAll(sharedCache) // a run leaves nothing in $TMPDIR
	}
	os.Exit(code)
}

func requireNix(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nix-instantiate not found; CI installs Nix before the tests")
		}
		t.Skip("nix-instantiate not found")
	}
}

// repoRoot is where examples/ and golden/ live.
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

type result struct {
	code           int
	stdout, stderr string
}

// kubenix runs a command line in-process, in dir, with a private cache.
func kubenix(t *testing.T, dir string, args ...string) result {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", cacheHome(t))
	t.Setenv("NO_COLOR", "1")
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

var sharedCache string

func cacheHome(t *testing.T) string {
	if sharedCache == "" {
		d, err := os.MkdirTemp("", "kubenix-test-cache-")
		if err != nil {
			t.Fatal(err)
		}
		sharedCache = d
	}
	return sharedCache
}

func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHelpExplainsEveryCommand(t *testing.T) {
	root := (&app{}).rootCommand()
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			continue
		}
		if c.Long == "" || c.Example == "" {
			t.Errorf("%s: --help needs a long description and an example", c.Name())
		}
	}
	r := kubenix(t, "", "build", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--argstr NAME VALUE") || !strings.Contains(r.stdout, "kubectl apply -f result/") {
		t.Errorf("build --help:\n%s", r.stdout)
	}
	r = kubenix(t, "", "completion", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "__start_kubenix") {
		t.Errorf("completion bash: exit %d", r.code)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"build"},
		{"build", "a.nix", "b.nix"},
		{"build", "--no-such-flag", "x.nix"},
		{"build", "x.nix", "--arg", "onlyname"},
		{"build", "does-not-exist.nix"},
		{"eval", "-o", "toml", "x.nix"},
		{"build", "--out-dir", "o", "--out-link", "r", "x.nix"},
		{"frobnicate"},
	} {
		r := kubenix(t, t.TempDir(), args...)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "kubenix: ") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and a kubenix: message", args, r.code, r.stderr)
		}
	}
}

// writeChart writes a chart named name under dir, with values.yaml when
// values is not empty and the templates given (file name -> text), and
// returns its directory.
func writeChart(t *testing.T, dir, name, values string, templates map[string]string) string {
	t.Helper()
	chart := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Join(chart, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(chart, "Chart.yaml"), "apiVersion: v2\nname: "+name+"\nversion: 0.1.0\n")
	if values != "" {
		writeFile(t, filepath.Join(chart, "values.yaml"), values)
	}
	for file, text := range templates {
		writeFile(t, filepath.Join(chart, "templates", file), text)
	}
	return chart
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
