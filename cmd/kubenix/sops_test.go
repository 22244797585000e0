package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/internal/sopstest"
)

const sopsPlain = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
stringData:
  password: ` + canary + `
`

// kubenix.secrets.sops puts a SOPS file in the result byte for byte, still
// encrypted, and the sops library decrypts it to the original.
func TestSOPSSecretBuild(t *testing.T) {
	requireNix(t)
	k := sopstest.NewKey(t)
	enc := sopstest.Encrypt(t, k, []byte(sopsPlain))
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "db.sops.yaml"), string(enc))
	app := filepath.Join(dir, "app.nix")
	writeFile(t, app, `{ kubenix, ... }: {
  ns = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "shop"; };
  db = kubenix.secrets.sops ./db.sops.yaml;
}
`)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Chdir(dir)
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"build", app, "--out-dir", "out", "--timings"}, &out, &errb); code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errb.String())
	}
	assertNoCanary(t, "build", out.String(), errb.String())
	tree := readTree(t, filepath.Join(dir, "out"))
	var written string
	for name, content := range tree {
		assertNoCanary(t, name, content)
		if strings.Contains(name, "secret") {
			written = content
		}
	}
	if written != string(enc) {
		t.Fatalf("the result's Secret is not the SOPS file byte for byte:\n%s\nfiles: %v", written, keys(tree))
	}
	plain, err := sopstest.Decrypt(t, k, []byte(written))
	if err != nil || !bytes.Contains(plain, []byte("password: "+canary)) {
		t.Errorf("the written file does not decrypt to the original: %v\n%s", err, plain)
	}
	assertNoCanaryUnder(t, cache)

	// The same in the Nix store.
	out.Reset()
	errb.Reset()
	if code := run(t.Context(), []string{"build", app, "--no-out-link"}, &out, &errb); code != 0 {
		t.Fatalf("store build: exit %d\n%s", code, errb.String())
	}
	store := strings.TrimSpace(out.String())
	found := false
	for name, content := range readTree(t, store) {
		assertNoCanary(t, filepath.Join(store, name), content)
		found = found || content == string(enc)
	}
	if !found {
		t.Errorf("no file of the store result %s is the SOPS file byte for byte", store)
	}

	// check and eval take it as it is, and show nothing decrypted.
	out.Reset()
	errb.Reset()
	if code := run(t.Context(), []string{"check", app}, &out, &errb); code != 0 || strings.Contains(out.String(), "warning:") {
		t.Errorf("check: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(t.Context(), []string{"eval", app, "--show-secrets"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "password: ENC[AES256_GCM,") {
		t.Errorf("eval: exit %d\n%s%s", code, out.String(), errb.String())
	}
	assertNoCanary(t, "eval", out.String())
}

// What kubenix.secrets.sops refuses, at build time, with the file and line.
func TestSOPSSecretRefused(t *testing.T) {
	requireNix(t)
	k := sopstest.NewKey(t)
	enc := string(sopstest.Encrypt(t, k, []byte(sopsPlain)))
	noNamespace := string(sopstest.Encrypt(t, k, []byte(strings.Replace(sopsPlain, "  namespace: shop\n", "", 1))))
	lines := strings.Split(enc, "\n")
	var plainValue []string
	for _, l := range lines {
		if strings.HasPrefix(l, "    password: ENC[") {
			l = "    password: " + canary
		}
		plainValue = append(plainValue, l)
	}
	for _, tc := range []struct {
		name, file string
		code       int
		want       []string
	}{
		{"truncated", enc[:strings.Index(enc, "sops:")+40], 1, []string{"db.sops.yaml:", "error: Secret/shop/db", "the file is truncated"}},
		{"not SOPS", sopsPlain, 1, []string{"db.sops.yaml", "not encrypted with SOPS"}},
		{"plaintext value", strings.Join(plainValue, "\n"), 1, []string{"db.sops.yaml:8:5: error: Secret/shop/db: stringData.password:", "stringData key password is not encrypted"}},
		{"tampered age key", strings.Replace(enc, "-----END AGE ENCRYPTED FILE-----", "", 1), 1, []string{"not a complete age file"}},
		{"no namespace", noNamespace, 1, []string{"must name its namespace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "db.sops.yaml"), tc.file)
			writeFile(t, filepath.Join(dir, "app.nix"), "{ kubenix, ... }: { db = kubenix.secrets.sops ./db.sops.yaml; }\n")
			r := kubenix(t, dir, "build", "app.nix", "--out-dir", "out")
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			assertNoCanary(t, "build", r.stdout, r.stderr)
			if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
				t.Error("a refused build wrote the out dir")
			}
		})
	}
}

// kubenix secrets encrypt makes, from a .sops.yaml's creation rule, a file
// the build takes and the sops library decrypts.
func TestSecretsEncrypt(t *testing.T) {
	requireNix(t)
	k := sopstest.NewKey(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "db.yaml"), sopsPlain)
	r := kubenix(t, dir, "secrets", "encrypt", "db.yaml", "-o", "db.sops.yaml")
	if r.code != 2 || !strings.Contains(r.stderr, "no .sops.yaml") {
		t.Errorf("without .sops.yaml: exit %d\n%s", r.code, r.stderr)
	}
	writeFile(t, filepath.Join(dir, ".sops.yaml"), "creation_rules:\n  - path_regex: \\.yaml$\n    age: "+k.Recipient+"\n")
	r = kubenix(t, dir, "secrets", "encrypt", "db.yaml", "-o", "db.sops.yaml").mustSucceed(t)
	assertNoCanary(t, "secrets encrypt", r.stdout, r.stderr)
	enc, err := os.ReadFile(filepath.Join(dir, "db.sops.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	assertNoCanary(t, "db.sops.yaml", string(enc))
	if plain, err := sopstest.Decrypt(t, k, enc); err != nil || !bytes.Contains(plain, []byte("password: "+canary)) {
		t.Errorf("sops decrypt: %v\n%s", err, plain)
	}
	if r := kubenix(t, dir, "secrets", "encrypt", "db.yaml", "-o", "db.sops.yaml"); r.code != 2 {
		t.Errorf("over an existing file: exit %d", r.code)
	}
	writeFile(t, filepath.Join(dir, "app.nix"), "{ kubenix, ... }: { db = kubenix.secrets.sops ./db.sops.yaml; }\n")
	kubenix(t, dir, "build", "app.nix", "--out-dir", "out").mustSucceed(t)
	for name, content := range readTree(t, filepath.Join(dir, "out")) {
		if strings.Contains(name, "secret") && content != string(enc) {
			t.Errorf("%s is not db.sops.yaml byte for byte", name)
		}
	}
}

// kubenix check reads SOPS files among manifests as SOPS: no plaintext
// warning, no unknown-field error, the same checks as the build.
func TestCheckSOPSManifests(t *testing.T) {
	k := sopstest.NewKey(t)
	enc := string(sopstest.Encrypt(t, k, []byte(sopsPlain)))
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "db.sops.yaml"), enc)
	r := kubenix(t, "", "check", dir)
	if r.code != 0 || strings.Contains(r.stdout, "warning:") {
		t.Errorf("check of a SOPS file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	writeFile(t, filepath.Join(dir, "db.sops.yaml"), regexpReplace(enc, `password: ENC\[[^\]]*\]`, "password: "+canary))
	r = kubenix(t, "", "check", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "db.sops.yaml:8:5: error: Secret/shop/db: stringData.password: stringData key password is not encrypted") {
		t.Errorf("check of a SOPS file with a value in plain text: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertNoCanary(t, "check", r.stdout, r.stderr)
}

func regexpReplace(s, re, with string) string {
	return regexp.MustCompile(re).ReplaceAllLiteralString(s, with)
}

// kubenix secrets edit, with EDITOR a script: a change is encrypted again
// for the file's recipients (the sops library decrypts it); no change, a
// failing editor or an invalid Secret leave the file byte for byte; a new
// file is made for .sops.yaml's recipients; the plaintext file, 0600 in a
// 0700 directory, is gone after each.
func TestSecretsEdit(t *testing.T) {
	k := sopstest.NewKey(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	t.Setenv("SOPS_AGE_KEY", k.Identity)
	t.Setenv("VISUAL", "")
	runtimeDir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	dir := t.TempDir()
	file := filepath.Join(dir, "db.sops.yaml")
	enc := sopstest.Encrypt(t, k, []byte(sopsPlain))
	writeFile(t, file, string(enc))
	perms := filepath.Join(dir, "perms")
	editor := func(name, script string) {
		p := filepath.Join(dir, name)
		writeFile(t, p, "#!/bin/sh\nstat -c '%a' \"$(dirname \"$1\")\" \"$1\" | tr '\\n' ' ' > "+perms+"\n"+script+"\n")
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("EDITOR", p)
	}
	noPlaintextLeft := func(what string) {
		t.Helper()
		if entries, _ := os.ReadDir(runtimeDir); len(entries) != 0 {
			t.Errorf("%s: %s left %v", what, runtimeDir, entries)
		}
		if b, _ := os.ReadFile(perms); string(b) != "700 600 " {
			t.Errorf("%s: the temporary directory and file had modes %q, want 700 600", what, b)
		}
		os.Remove(perms)
	}
	untouched := func(what string, want []byte) {
		t.Helper()
		if b, _ := os.ReadFile(file); !bytes.Equal(b, want) {
			t.Errorf("%s changed the file:\n%s", what, b)
		}
	}

	editor("true", "true")
	r := kubenix(t, dir, "secrets", "edit", "db.sops.yaml").mustSucceed(t)
	untouched("an unchanged edit", enc)
	if !strings.Contains(r.stderr, "no change; db.sops.yaml is untouched") {
		t.Errorf("unchanged edit: %s", r.stderr)
	}
	noPlaintextLeft("unchanged edit")

	editor("fails", "sed -i 's/password: .*/password: changed/' \"$1\"; exit 3")
	r = kubenix(t, dir, "secrets", "edit", "db.sops.yaml")
	if r.code != 2 || !strings.Contains(r.stderr, "the editor failed") {
		t.Errorf("failing editor: exit %d\n%s", r.code, r.stderr)
	}
	untouched("a failing editor", enc)
	noPlaintextLeft("failing editor")

	editor("configmap", "sed -i 's/^kind: Secret/kind: ConfigMap/' \"$1\"")
	r = kubenix(t, dir, "secrets", "edit", "db.sops.yaml")
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "db.sops.yaml (as edited):2:1: ConfigMap/shop/db: kind: the edited file is v1 ConfigMap, not a v1 Secret") {
		t.Errorf("edit to a ConfigMap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertNoCanary(t, "secrets edit", r.stdout, r.stderr)
	untouched("an invalid edit", enc)
	noPlaintextLeft("invalid edit")

	editor("sed", "sed -i 's/password: .*/password: changed-value/' \"$1\"")
	r = kubenix(t, dir, "secrets", "edit", "db.sops.yaml").mustSucceed(t)
	assertNoCanary(t, "secrets edit", r.stdout, r.stderr)
	noPlaintextLeft("edit")
	edited, _ := os.ReadFile(file)
	plain, err := sopstest.Decrypt(t, k, edited)
	if err != nil || !bytes.Contains(plain, []byte("password: changed-value")) || !bytes.Contains(plain, []byte("namespace: shop")) {
		t.Errorf("sops decrypt of the edited file: %v\n%s", err, plain)
	}
	for _, want := range []string{"recipient: " + k.Recipient, "encrypted_regex: ^(data|stringData)$"} {
		if !bytes.Contains(edited, []byte(want)) {
			t.Errorf("the edited file lacks %q:\n%s", want, edited)
		}
	}

	// A new file: the template, encrypted for .sops.yaml's recipients.
	other := sopstest.NewKey(t)
	writeFile(t, filepath.Join(dir, ".sops.yaml"), "creation_rules:\n  - age: "+other.Recipient+"\n")
	editor("new", "sed -i 's/key: value/token: t0k3n/' \"$1\"")
	r = kubenix(t, dir, "secrets", "edit", "api.sops.yaml").mustSucceed(t)
	noPlaintextLeft("new file")
	created, _ := os.ReadFile(filepath.Join(dir, "api.sops.yaml"))
	plain, err = sopstest.Decrypt(t, other, created)
	if err != nil || !bytes.Contains(plain, []byte("name: api")) || !bytes.Contains(plain, []byte("token: t0k3n")) {
		t.Errorf("sops decrypt of the new file: %v\n%s\n%s", err, plain, r.stderr)
	}
}
