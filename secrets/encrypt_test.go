package secrets_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/internal/sopstest"
	"github.com/kubenix/kubenix/secrets"
)

// What kubenix encrypts, the sops library decrypts to the original, MAC
// checked; with the recipients of a .sops.yaml creation rule.
func TestEncrypt(t *testing.T) {
	k := sopstest.NewKey(t)
	other := sopstest.NewKey(t)
	dir := t.TempDir()
	cfg := "creation_rules:\n  - path_regex: ^prod/.*\\.yaml$\n    age: " + other.Recipient + "\n  - age: >-\n      " + k.Recipient + ",\n      " + other.Recipient + "\n"
	if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "apps", "db"), 0o755)
	rule, err := secrets.FindCreationRule(filepath.Join(dir, "apps", "db", "db.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rule.Age, []string{k.Recipient, other.Recipient}) {
		t.Fatalf("recipients %v", rule.Age)
	}
	plain := []byte(plainSecret + "  replicas: 3\n  enabled: true\n  ratio: 0.5\n")
	enc, err := secrets.Encrypt(plain, rule.Age, rule.EncryptedRegex)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc, []byte("hunter2-canary")) {
		t.Fatalf("encrypted file holds the value:\n%s", enc)
	}
	for _, key := range []sopstest.Key{k, other} {
		dec, err := sopstest.Decrypt(t, key, enc)
		if err != nil {
			t.Fatalf("sops decrypt: %v\n%s", err, enc)
		}
		var want, got any
		sigsyaml.Unmarshal(plain, &want)
		sigsyaml.Unmarshal(dec, &got)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("sops decrypts to\n%s\nwant\n%s", dec, plain)
		}
	}
	useKey(t, k)
	if _, err := secrets.Decrypt(enc); err != nil {
		t.Errorf("kubenix decrypt: %v", err)
	}
	if _, err := secrets.Encrypt(enc, rule.Age, ""); err == nil {
		t.Error("encrypted twice")
	}
}
