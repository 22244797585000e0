package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
