package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/sopstest"
)

// useAgeKey makes identity the only age key kubenix can find.
func useAgeKey(t *testing.T, identity string) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	t.Setenv("SOPS_AGE_KEY_CMD", "")
	os.Unsetenv("SOPS_AGE_KEY_CMD")
	t.Setenv("SOPS_AGE_KEY", identity)
}

// sopsSecret is a Secret with the given stringData, encrypted for k by the
// sops library.
func sopsSecret(t *testing.T, k sopstest.Key, values ...string) string {
	t.Helper()
	plain := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ntype: Opaque\nstringData:\n"
	for i := 0; i+1 < len(values); i += 2 {
		plain += "  " + values[i] + ": " + values[i+1] + "\n"
	}
	return string(sopstest.Encrypt(t, k, []byte(plain)))
}

// kubenix diff compares SOPS Secrets by key names and, with a key, by
// decrypted values, and shows neither plaintext nor ciphertext nor the
// churn of the sops block in any format.
func TestDiffSOPSSecrets(t *testing.T) {
	k, other := sopstest.NewKey(t), sopstest.NewKey(t)
	dir := t.TempDir()
	for _, side := range []string{"old", "new", "same"} {
		if err := os.Mkdir(filepath.Join(dir, side), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "old", "db.sops.yaml"), sopsSecret(t, k, "password", canary+"-old", "user", canary+"-user"))
	writeFile(t, filepath.Join(dir, "new", "db.sops.yaml"), sopsSecret(t, k, "password", canary+"-new", "user", canary+"-user", "extra", canary+"-extra"))
	// The same values encrypted again: new ciphertext, IVs, MAC and date.
	writeFile(t, filepath.Join(dir, "same", "db.sops.yaml"), sopsSecret(t, k, "password", canary+"-old", "user", canary+"-user"))

	noNoise := func(t *testing.T, what string, texts ...string) {
		t.Helper()
		assertNoCanary(t, what, texts...)
		for _, s := range texts {
			for _, noise := range []string{"ENC[", "mac", "lastmodified", "AGE ENCRYPTED"} {
				if strings.Contains(s, noise) {
					t.Errorf("%s shows %q:\n%s", what, noise, s)
				}
			}
		}
	}

	t.Run("with the key", func(t *testing.T) {
		useAgeKey(t, k.Identity)
		r := kubenix(t, dir, "diff", "old", "new")
		noNoise(t, "diff", r.stdout, r.stderr)
		if r.code != 1 || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q; want 1 and no note", r.code, r.stderr)
		}
		for _, want := range []string{"~ Secret/shop/db (changed)", "-  password: (hidden)\n", "+  password: (hidden, changed)\n",
			"+  extra: (hidden)\n", "   user: (hidden)\n", " sops:\n   recipients:\n", "1 changed"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("diff lacks %q:\n%s", want, r.stdout)
			}
		}
		for _, args := range [][]string{{"--stat"}, {"-o", "json"}, {"--show-secrets"}, {"--show-secrets", "-o", "json"}} {
			r := kubenix(t, dir, append([]string{"diff", "old", "new"}, args...)...)
			noNoise(t, strings.Join(args, " "), r.stdout, r.stderr)
			if r.code != 1 || r.stderr != "" || strings.Contains(r.stdout, "valuesNotCompared") {
				t.Errorf("%v: exit %d, stderr %q\n%s", args, r.code, r.stderr, r.stdout)
			}
		}
		r = kubenix(t, dir, "diff", "old", "same")
		noNoise(t, "diff of a re-encrypted file", r.stdout, r.stderr)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "0 changed, 1 unchanged") {
			t.Errorf("the same values encrypted again: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
		}
	})

	t.Run("without the key", func(t *testing.T) {
		useAgeKey(t, other.Identity)
		for _, args := range [][]string{nil, {"--stat"}, {"-o", "json"}} {
			r := kubenix(t, dir, append([]string{"diff", "old", "new"}, args...)...)
			noNoise(t, "diff "+strings.Join(args, " "), r.stdout, r.stderr)
			if r.code != 1 || strings.Count(r.stderr, "not compared") != 1 || !strings.Contains(r.stderr, "Secret/shop/db") {
				t.Errorf("%v: exit %d, want 1 and one note on stderr:\n%s", args, r.code, r.stderr)
			}
			if args == nil && !strings.Contains(r.stdout, "+  extra: (hidden)\n") {
				t.Errorf("keys added are shown, values not compared:\n%s", r.stdout)
			}
			if args == nil && strings.Contains(r.stdout, "password: (hidden, changed)") {
				t.Errorf("a value compared without a key:\n%s", r.stdout)
			}
			if len(args) == 2 && !strings.Contains(r.stdout, `"valuesNotCompared": [`) {
				t.Errorf("json lacks valuesNotCompared:\n%s", r.stdout)
			}
		}
	})
}

// kubenix secrets view refuses a stdout that is not a terminal, before
// decrypting anything; on a terminal it prints the Secret decrypted.
func TestSecretsView(t *testing.T) {
	k, other := sopstest.NewKey(t), sopstest.NewKey(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "db.sops.yaml")
	enc := sopsSecret(t, k, "password", canary)
	writeFile(t, file, enc)
	useAgeKey(t, k.Identity)

	r := kubenix(t, dir, "secrets", "view", "db.sops.yaml")
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "terminal only") || !strings.Contains(r.stderr, "hint:") {
		t.Errorf("piped: exit %d, want 2 and a hint\nstdout: %q\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	assertNoCanary(t, "secrets view, piped", r.stdout, r.stderr)

	var out strings.Builder
	if err := viewSecret(&out, false, file); err == nil || out.Len() > 0 {
		t.Errorf("not a terminal: %v, wrote %q", err, out.String())
	}
	if err := viewSecret(&out, true, file); err != nil {
		t.Fatal(err)
	}
	want := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ntype: Opaque\nstringData:\n  password: " + canary + "\n"
	if out.String() != want {
		t.Errorf("on a terminal:\n%s\nwant:\n%s", out.String(), want)
	}

	useAgeKey(t, other.Identity)
	out.Reset()
	err := viewSecret(&out, true, file)
	var ue *diag.UsageError
	if !errors.As(err, &ue) || out.Len() > 0 || !strings.Contains(err.Error(), "none of your age keys") {
		t.Errorf("wrong key: %v (want a usage error, exit 2), wrote %q", err, out.String())
	}
	writeFile(t, file, strings.Replace(enc, "type: Opaque", "type: kubernetes.io/basic-auth", 1))
	useAgeKey(t, k.Identity)
	err = viewSecret(&out, true, file)
	var inv *diag.InvalidInput
	if !errors.As(err, &inv) || out.Len() > 0 || !strings.Contains(err.Error(), "mac does not match") {
		t.Errorf("tampered: %v (want invalid input, exit 1), wrote %q", err, out.String())
	}
}

// The same for .nix sides, whose SOPS Secrets come from kubenix.secrets.sops.
func TestDiffSOPSSecretsNix(t *testing.T) {
	requireNix(t)
	k := sopstest.NewKey(t)
	dir := t.TempDir()
	for _, side := range []string{"old", "new"} {
		writeFile(t, filepath.Join(dir, side+".sops.yaml"), sopsSecret(t, k, "password", canary+"-"+side))
		writeFile(t, filepath.Join(dir, side+".nix"), "{ kubenix, ... }: { db = kubenix.secrets.sops ./"+side+".sops.yaml; }\n")
	}
	useAgeKey(t, k.Identity)
	r := kubenix(t, dir, "diff", "old.nix", "new.nix", "-o", "json")
	assertNoCanary(t, "diff", r.stdout, r.stderr)
	if r.code != 1 || r.stderr != "" || !strings.Contains(r.stdout, `+  password: (hidden, changed)\n`) || strings.Contains(r.stdout, "ENC[") {
		t.Errorf("exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
}
