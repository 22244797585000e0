package nixstore

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBase32KnownVectors(t *testing.T) {
	// Vectors from Nix's own tests (src/libutil/tests/hash.cc).
	for _, tc := range []struct{ hex, want string }{
		{"", ""},
		{"00", "00"},
		{"ff", "7z"},
	} {
		b := make([]byte, len(tc.hex)/2)
		for i := range b {
			var v byte
			for _, c := range tc.hex[2*i : 2*i+2] {
				v <<= 4
				if c >= 'a' {
					v |= byte(c-'a') + 10
				} else {
					v |= byte(c - '0')
				}
			}
			b[i] = v
		}
		if got := Base32(b); got != tc.want {
			t.Errorf("Base32(%s) = %q, want %q", tc.hex, got, tc.want)
		}
	}
}

func sampleTree() *Node {
	d := Dir()
	d.Entries["a.yaml"] = File([]byte("apiVersion: v1\n"))
	d.Entries["run.sh"] = &Node{Type: Regular, Contents: []byte("#!/bin/sh\necho hi\n"), Executable: true}
	d.Entries["link.yaml"] = Link("a.yaml")
	sub := Dir()
	sub.Entries["b"] = File(nil)
	d.Entries["sub"] = sub
	return d
}

func nixStoreOrSkip(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("nix-store")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nix-store not found; CI installs Nix before the tests")
		}
		t.Skip("nix-store not found")
	}
	return p
}

// The NAR hash and store path computed here must be the ones Nix computes
// for the same tree on disk.
func TestHashAndPathAgreeWithNix(t *testing.T) {
	bin := nixStoreOrSkip(t)
	dir := filepath.Join(t.TempDir(), "kubenix-nar-test")
	n := sampleTree()
	if err := WriteTree(dir, n); err != nil {
		t.Fatal(err)
	}
	var nar bytes.Buffer
	if err := WriteNAR(&nar, n); err != nil {
		t.Fatal(err)
	}
	dump, err := exec.Command(bin, "--dump", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dump, nar.Bytes()) {
		t.Fatalf("NAR differs from nix-store --dump (%d vs %d bytes)", nar.Len(), len(dump))
	}
	h, _ := NARHash(n)
	want, err := exec.Command(bin, "--add", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := SourcePath(DefaultStoreDir, "kubenix-nar-test", h, nil); got != strings.TrimSpace(string(want)) {
		t.Fatalf("SourcePath = %s, nix-store --add = %s", got, want)
	}
	back, err := ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	if h2, _ := NARHash(back); h2 != h {
		t.Fatal("ReadTree does not round-trip")
	}
}

func TestStoreAddImportsAndIsIdempotent(t *testing.T) {
	bin := nixStoreOrSkip(t)
	s := &Store{Dir: DefaultStoreDir, NixStore: bin}
	n := Dir()
	n.Entries["x"] = File([]byte(t.Name() + "\n"))
	p1, err := s.Add(context.Background(), "kubenix-store-test", n, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(p1, "x")); err != nil || string(b) != t.Name()+"\n" {
		t.Fatalf("store path content: %q, %v", b, err)
	}
	if err := exec.Command(bin, "--check-validity", p1).Run(); err != nil {
		t.Fatalf("%s is not a valid store path: %v", p1, err)
	}
	p2, err := s.Add(context.Background(), "kubenix-store-test", n, nil)
	if err != nil || p2 != p1 {
		t.Fatalf("second Add = %s, %v; want %s", p2, err, p1)
	}
	link := filepath.Join(t.TempDir(), "result")
	if err := s.AddRoot(context.Background(), p1, link); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Readlink(link); got != p1 {
		t.Fatalf("result -> %s, want %s", got, p1)
	}
	roots, _ := exec.Command(bin, "--gc", "--print-roots").Output()
	if !strings.Contains(string(roots), link) {
		t.Fatalf("%s is not a GC root:\n%s", link, roots)
	}

	// A tree that needs p1: Nix records the reference, so p1 lives as
	// long as the new path does.
	m := Dir()
	m.Entries["needs"] = File([]byte(p1))
	p3, err := s.Add(context.Background(), "kubenix-store-test", m, []string{p1, p1})
	if err != nil {
		t.Fatal(err)
	}
	refs, err := exec.Command(bin, "--query", "--references", p3).Output()
	if err != nil || strings.TrimSpace(string(refs)) != p1 {
		t.Fatalf("references of %s: %q, %v; want %s", p3, refs, err, p1)
	}
	if out, err := exec.Command(bin, "--verify-path", p3).CombinedOutput(); err != nil {
		t.Fatalf("nix-store --verify-path %s: %v: %s", p3, err, out)
	}
	if p3 == SourcePath(DefaultStoreDir, "kubenix-store-test", mustNARHash(t, m), nil) {
		t.Error("the references are not part of the path")
	}
}

func mustNARHash(t *testing.T, n *Node) [32]byte {
	h, err := NARHash(n)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestFixedOutputPathAgreesWithNix(t *testing.T) {
	bin := nixStoreOrSkip(t)
	s := &Store{Dir: DefaultStoreDir, NixStore: bin}
	data := []byte(t.Name() + " chart archive\n")
	p, err := s.AddFixed(context.Background(), "chart-1.0.0.tgz", data)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "chart-1.0.0.tgz")
	os.WriteFile(f, data, 0o644)
	out, err := exec.Command(bin, "--add-fixed", "sha256", f).Output()
	if err != nil || strings.TrimSpace(string(out)) != p {
		t.Fatalf("nix-store --add-fixed = %s (%v), kubenix computed %s", out, err, p)
	}
	if p2, err := s.AddFixed(context.Background(), "chart-1.0.0.tgz", data); err != nil || p2 != p {
		t.Fatalf("second AddFixed: %s %v", p2, err)
	}
}

func TestDerivationOutputs(t *testing.T) {
	nixStoreOrSkip(t)
	out, err := exec.Command("nix-instantiate", "-E", `derivation { name = "two-outputs"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "doc" ]; args = [ "-c" "echo \"quoted\\n\"" ]; }`).Output()
	if err != nil {
		t.Fatal(err)
	}
	drv := strings.TrimSpace(string(out))
	outs, err := DerivationOutputs(drv)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := exec.Command("nix-store", "-q", "--outputs", drv).Output()
	var got []string
	for _, name := range []string{"doc", "out"} {
		got = append(got, outs[name])
	}
	if strings.Join(got, "\n") != strings.TrimSpace(string(want)) {
		t.Errorf("outputs %v, nix-store says %s", outs, want)
	}
}
