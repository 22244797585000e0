package secrets_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/internal/sopstest"
	"github.com/kubenix/kubenix/secrets"
)

const plainSecret = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  labels:
    app: shop
type: Opaque
stringData:
  password: hunter2-canary-7f3a
  port: "5432"
  empty: ""
data:
  token: aHVudGVyMg==
`

// useKey makes k the only age key Decrypt can find.
func useKey(t *testing.T, k sopstest.Key) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("SOPS_AGE_KEY_FILE", "")
	t.Setenv("SOPS_AGE_KEY_CMD", "")
	os.Unsetenv("SOPS_AGE_KEY_CMD")
	t.Setenv("SOPS_AGE_KEY", k.Identity)
}

// What the sops library encrypts, kubenix decrypts, and the other way
// round no file it changed, nor a key it was not made for.
func TestDecrypt(t *testing.T) {
	k := sopstest.NewKey(t)
	enc := sopstest.Encrypt(t, k, []byte(plainSecret))
	if bytes.Contains(enc, []byte("hunter2-canary")) {
		t.Fatalf("encrypted file holds the value:\n%s", enc)
	}
	useKey(t, k)
	body, err := secrets.Decrypt(enc)
	if err != nil {
		t.Fatal(err)
	}
	sd := body["stringData"].(map[string]any)
	if sd["password"] != "hunter2-canary-7f3a" || sd["port"] != "5432" || sd["empty"] != "" {
		t.Errorf("stringData: %v", sd)
	}
	if body["data"].(map[string]any)["token"] != "aHVudGVyMg==" || body["metadata"].(map[string]any)["name"] != "db" {
		t.Errorf("body: %v", body)
	}
	if _, ok := body["sops"]; ok {
		t.Error("the sops metadata is kept")
	}

	reason := func(err error) secrets.DecryptReason {
		var de *secrets.DecryptError
		if !errors.As(err, &de) {
			t.Fatalf("not a DecryptError: %v", err)
		}
		return de.Reason
	}
	// A value changed: its tag fails.
	i := bytes.Index(enc, []byte("password: ENC[AES256_GCM,data:")) + len("password: ENC[AES256_GCM,data:")
	tampered := bytes.Clone(enc)
	tampered[i] ^= 1
	if _, err := secrets.Decrypt(tampered); err == nil || reason(err) != secrets.Tampered {
		t.Errorf("tampered value: %v", err)
	}
	// Values swapped between keys: each decrypts on its own (not with
	// another key's path), so the MAC or the tag must catch it.
	lines := strings.Split(string(enc), "\n")
	var pw, port int
	for j, l := range lines {
		switch {
		case strings.HasPrefix(l, "    password: "):
			pw = j
		case strings.HasPrefix(l, "    port: "):
			port = j
		}
	}
	swapped := slicesClone(lines)
	swapped[pw] = "    password: " + strings.TrimPrefix(lines[port], "    port: ")
	swapped[port] = "    port: " + strings.TrimPrefix(lines[pw], "    password: ")
	if _, err := secrets.Decrypt([]byte(strings.Join(swapped, "\n"))); err == nil || reason(err) != secrets.Tampered {
		t.Errorf("swapped values: %v", err)
	}
	// A plaintext value changed: the MAC fails.
	relabeled := bytes.Replace(enc, []byte("app: shop"), []byte("app: shoq"), 1)
	if _, err := secrets.Decrypt(relabeled); err == nil || reason(err) != secrets.Tampered {
		t.Errorf("changed label: %v", err)
	}
	// Truncated, and not SOPS at all.
	if _, err := secrets.Decrypt(enc[:len(enc)/2]); err == nil || reason(err) != secrets.NotSOPS {
		t.Errorf("truncated: %v", err)
	}
	if _, err := secrets.Decrypt([]byte(plainSecret)); err == nil || reason(err) != secrets.NotSOPS {
		t.Errorf("plain: %v", err)
	}
	// Another key.
	useKey(t, sopstest.NewKey(t))
	if _, err := secrets.Decrypt(enc); err == nil || reason(err) != secrets.NoKey {
		t.Errorf("wrong key: %v", err)
	} else if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the value: %v", err)
	}
	// The key from a file, as SOPS_AGE_KEY_FILE names it.
	t.Setenv("SOPS_AGE_KEY", "")
	keyFile := filepath.Join(t.TempDir(), "keys.txt")
	if err := os.WriteFile(keyFile, []byte(k.Identity+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	if _, err := secrets.Decrypt(enc); err != nil {
		t.Errorf("SOPS_AGE_KEY_FILE: %v", err)
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }
