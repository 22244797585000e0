package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Nix code kubenix evaluates cannot run programs: builtins.exec and
// __exec do not exist (kubenix never enables
// allow-unsafe-native-code-during-evaluation), in the app and in what it
// imports, and import from derivation does not build. Every command that
// evaluates says so at the call, and nothing runs.
func TestNixCodeCannotRunPrograms(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	touch := `[ "sh" "-c" "touch ` + marker + `" ]`
	cm := func(data string) string {
		return "{ kubenix }: {\n  cm = { apiVersion = \"v1\"; kind = \"ConfigMap\"; metadata.name = \"x\";\n    data.out = " + data + "; };\n}\n"
	}
	writeFile(t, filepath.Join(dir, "exec.nix"), cm("builtins.exec "+touch))
	writeFile(t, filepath.Join(dir, "underscore.nix"), cm("__exec "+touch))
	writeFile(t, filepath.Join(dir, "helper.nix"), "{\n  run = args: builtins.exec args;\n}\n")
	writeFile(t, filepath.Join(dir, "imports.nix"), cm("(import ./helper.nix).run "+touch))
	writeFile(t, filepath.Join(dir, "ifd.nix"), cm(`builtins.readFile (derivation { name = "x"; system = builtins.currentSystem; builder = "/bin/sh"; args = `+touch+`; })`))
	const never = "kubenix never lets Nix code run programs"
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"exec.nix", []string{"exec.nix:3:16: error: the file calls builtins.exec, which runs a program: " + never, "allow-unsafe-native-code-during-evaluation", "in .cm", "hint: render charts with kubenix.helm.chart"}},
		{"underscore.nix", []string{"underscore.nix:3:16: error: the file calls builtins.exec", never}},
		{"imports.nix", []string{"helper.nix:2:15: error: the file calls builtins.exec", never, "in .cm"}},
		{"ifd.nix", []string{"ifd.nix:", "(import from derivation), which would run its builder: " + never}},
	} {
		for _, args := range [][]string{{"check", tc.file}, {"eval", tc.file}, {"build", tc.file, "--out-dir", filepath.Join(dir, "out")}} {
			t.Run(tc.file+" "+args[0], func(t *testing.T) {
				r := kubenix(t, dir, args...)
				out := r.stdout + r.stderr // check reports on stdout
				if r.code != 1 {
					t.Errorf("exit %d\n%s", r.code, out)
				}
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Errorf("missing %q in:\n%s", w, out)
					}
				}
				if strings.Contains(out, "Did you mean") {
					t.Errorf("Nix's guess stays out:\n%s", out)
				}
				if _, err := os.Stat(marker); err == nil {
					t.Fatal("the program ran")
				}
				if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
					t.Error("build wrote its output")
				}
			})
		}
	}
	// builtins.exec is not even visible to code that looks for it.
	writeFile(t, filepath.Join(dir, "probe.nix"), cm(`if builtins ? exec || builtins ? importNative then "yes" else "no"`))
	if r := kubenix(t, dir, "eval", "probe.nix", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"out": "no"`) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
