package image

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildImage builds image/testdata/images.nix with the given arguments and
// returns the archive's store path.
func buildImage(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("nix-build"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nix-build not found")
		}
		t.Skip("no Nix")
	}
	cmdArgs := append([]string{filepath.Join("testdata", "images.nix"), "--no-out-link"}, args...)
	out, err := exec.Command("nix-build", cmdArgs...).Output()
	if err != nil {
		t.Fatalf("nix-build %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

func TestLoadDockerArchive(t *testing.T) {
	plain := buildImage(t)
	gz := buildImage(t, "--arg", "gzip", "true")
	cache := t.TempDir()
	a, err := Load(context.Background(), plain, cache, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(context.Background(), gz, cache, false)
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest != b.Digest || !strings.HasPrefix(a.Digest, "sha256:") || len(a.Layers) != 1 {
		t.Errorf("the same image, compressed or not, must have one digest: %s %s", a.Digest, b.Digest)
	}
	// Again, from the cache and from scratch: the same digest.
	c, _ := Load(context.Background(), plain, cache, false)
	d, _ := Load(context.Background(), plain, t.TempDir(), true)
	if c.Digest != a.Digest || d.Digest != a.Digest {
		t.Errorf("digests differ: %s %s %s", a.Digest, c.Digest, d.Digest)
	}
	if p := a.BlobPath(a.Layers[0].Digest.String()); p == "" {
		t.Error("no layer blob")
	}
	if a.BlobPath("sha256:"+strings.Repeat("0", 64)) != "" || a.BlobPath("../../etc/passwd") != "" {
		t.Error("blobs outside the image must not resolve")
	}
}

func TestLoadRejectsNonImages(t *testing.T) {
	text := buildImage(t, "--arg", "notImage", "true")
	if _, err := Load(context.Background(), text, t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "not an image archive") {
		t.Errorf("a text file: %v", err)
	}
	dir := t.TempDir()
	if _, err := Load(context.Background(), dir, t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "not an OCI image layout") {
		t.Errorf("an empty directory: %v", err)
	}
}
