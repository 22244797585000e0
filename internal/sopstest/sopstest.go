// Package sopstest gives tests age keys and files encrypted by the sops
// library itself, through tools/sops (built once by scripts/sops-tool.sh,
// outside the main module).
package sopstest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// toolCache is the user's cache, read before tests point XDG_CACHE_HOME
// at private directories: the tool is built once, not once per test.
var toolCache = func() string {
	if d := os.Getenv("KUBENIX_SOPS_TOOL_CACHE"); d != "" {
		return d
	}
	d, _ := os.UserCacheDir()
	return filepath.Join(d, "kubenix-sops-tool")
}()

var (
	mu   sync.Mutex
	tool string
)

// Tool builds (once, cached) and returns the sops test tool.
func Tool(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if tool != "" {
		return tool
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "sops-tool.sh")
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "KUBENIX_SOPS_TOOL_CACHE="+toolCache)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/sops-tool.sh: %v", err)
	}
	tool = strings.TrimSpace(string(out))
	return tool
}

// Key is an age key pair made for one test.
type Key struct {
	Identity  string // AGE-SECRET-KEY-1...
	Recipient string // age1...
}

// NewKey makes an age key pair.
func NewKey(t testing.TB) Key {
	t.Helper()
	lines := strings.Fields(string(run(t, nil, nil, "keygen")))
	if len(lines) != 2 {
		t.Fatalf("keygen: %q", lines)
	}
	return Key{Identity: lines[0], Recipient: lines[1]}
}

// Encrypt encrypts a YAML document for k as `sops --encrypt --age
// RECIPIENT --encrypted-regex '^(data|stringData)$'` does.
func Encrypt(t testing.TB, k Key, plain []byte) []byte {
	t.Helper()
	return run(t, nil, plain, "encrypt", k.Recipient)
}

// Decrypt decrypts a SOPS file with the sops library and k.
func Decrypt(t testing.TB, k Key, enc []byte) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(Tool(t), "decrypt")
	cmd.Env = append(os.Environ(), "SOPS_AGE_KEY="+k.Identity, "SOPS_AGE_KEY_FILE=")
	cmd.Stdin = bytes.NewReader(enc)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: stderr.Bytes()}
	}
	return out, nil
}

func run(t testing.TB, env []string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(Tool(t), args...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sops-tool %s: %v\n%s", args[0], err, stderr.String())
	}
	return out
}
