package gomod2nix

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/internal/nixtest"
)

func TestMain(m *testing.M) {
	nixtest.Offline()
	os.Exit(m.Run())
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func requireNix(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("nix"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nix not found; CI installs Nix before the tests")
		}
		t.Skip("nix not found")
	}
}

// modules is the regenerated module list, shared by the tests.
var modules []Module

func regenerate(t *testing.T) []Module {
	t.Helper()
	if modules == nil {
		mods, err := Modules(context.Background(), repoRoot())
		if err != nil {
			t.Fatalf("regenerating gomod2nix.toml (go mod download needs the module proxy for modules not in the cache): %v", err)
		}
		modules = mods
	}
	return modules
}

// The committed gomod2nix.toml must be what go.mod and go.sum give now:
// a stale one breaks `nix build` for everyone using the flake.
func TestGomod2nixTomlIsFresh(t *testing.T) {
	want := Format(regenerate(t))
	got, err := os.ReadFile(filepath.Join(repoRoot(), "gomod2nix.toml"))
	if err != nil {
		t.Fatalf("gomod2nix.toml: %v; run make gomod2nix", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("gomod2nix.toml is stale against go.mod/go.sum: run make gomod2nix\nline %d: have %q, want %q", i+1, g, w)
			}
		}
	}
}

// Every module go.mod requires is listed, and nothing else.
func TestListsExactlyTheRequiredModules(t *testing.T) {
	out, err := goCommand(context.Background(), repoRoot(), "mod", "edit", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var gm struct {
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &gm); err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, m := range regenerate(t) {
		have[m.Path] = m.Version
	}
	for _, r := range gm.Require {
		if have[r.Path] != r.Version {
			t.Errorf("%s: go.mod requires %s, gomod2nix.toml would list %q", r.Path, r.Version, have[r.Path])
		}
	}
	if len(have) != len(gm.Require) {
		t.Errorf("%d modules listed, go.mod requires %d", len(have), len(gm.Require))
	}
}

// The hashes are the ones Nix computes for the same directories, which is
// what fetchGoModule's fixed-output derivations are checked against.
func TestHashesAgreeWithNix(t *testing.T) {
	requireNix(t)
	mods := regenerate(t)
	dirs := map[string]string{}
	for _, m := range []Module{mods[0], mods[len(mods)/2], mods[len(mods)-1]} {
		dirs[m.Hash] = m.Dir
	}
	// Executable files, symlinks and nested directories, which module
	// caches do not hold, and a .DS_Store that gomod2nix leaves out.
	tmp := t.TempDir()
	os.MkdirAll(filepath.Join(tmp, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(tmp, "a", "b", "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(tmp, "a", "data"), []byte("1234567"), 0o644)
	os.WriteFile(filepath.Join(tmp, "empty"), nil, 0o444)
	os.Symlink("a/data", filepath.Join(tmp, "link"))
	h, err := HashDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	dirs[h] = tmp
	ds := filepath.Join(t.TempDir(), "with-ds-store")
	os.CopyFS(ds, os.DirFS(tmp))
	os.Symlink("a/data", filepath.Join(ds, "link"))
	os.WriteFile(filepath.Join(ds, "a", ".DS_Store"), []byte("finder"), 0o644)
	if h2, err := HashDir(ds); err != nil || h2 != h {
		t.Errorf("a .DS_Store changed the hash: %s, want %s (%v)", h2, h, err)
	}
	for want, dir := range dirs {
		out, err := exec.Command("nix", "--extra-experimental-features", "nix-command", "hash", "path", "--type", "sha256", "--sri", dir).CombinedOutput()
		if err != nil {
			t.Fatalf("nix hash path %s: %v: %s", dir, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("%s: nix hash path says %s, kubenix's generator %s", dir, got, want)
		}
	}
}

// Nix reads the file as gomod2nix's builder does (builtins.fromTOML).
func TestNixReadsGomod2nixToml(t *testing.T) {
	requireNix(t)
	out, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "-E",
		`let t = builtins.fromTOML (builtins.readFile `+filepath.Join(repoRoot(), "gomod2nix.toml")+`); in { inherit (t) schema; n = builtins.length (builtins.attrNames t.mod); cobra = t.mod."github.com/spf13/cobra"; }`).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got struct {
		Schema int
		N      int
		Cobra  struct{ Version, Hash string }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != SchemaVersion || got.N != len(regenerate(t)) || !strings.HasPrefix(got.Cobra.Hash, "sha256-") || got.Cobra.Version == "" {
		t.Errorf("Nix reads %+v", got)
	}
}
