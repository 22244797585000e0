package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kubenix.lock")
	for _, data := range []string{"first\n", "second\n"} {
		if err := Write(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != data {
			t.Fatalf("content %q, want %q", b, data)
		}
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	// A failed write leaves the old file and no temporary one.
	if err := Write(filepath.Join(dir, "missing", "x"), []byte("x"), 0o644); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	os.Mkdir(filepath.Join(dir, "asdir"), 0o755)
	os.WriteFile(filepath.Join(dir, "asdir", "f"), nil, 0o644)
	if err := Write(filepath.Join(dir, "asdir"), []byte("x"), 0o644); err == nil {
		t.Error("replacing a non-empty directory succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("left behind: %v", ents)
	}
}
