package e2e

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/internal/sopstest"
)

// A SOPS Secret travels through the build encrypted; plain kubectl cannot
// apply it, kubenix apply decrypts it in memory and the API server gets
// the value, with no plaintext left in a last-applied annotation.
func TestSOPSSecretApply(t *testing.T) {
	needCluster(t)
	const canary = "hunter2-canary-e2e-5d1c"
	k := sopstest.NewKey(t)
	work := t.TempDir()
	enc := sopstest.Encrypt(t, k, []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: sops-e2e\ntype: Opaque\nstringData:\n  password: "+canary+"\n"))
	if err := os.WriteFile(filepath.Join(work, "db.sops.yaml"), enc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "app.nix"), []byte(`{ kubenix, ... }: {
  ns = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "sops-e2e"; };
  db = kubenix.secrets.sops ./db.sops.yaml;
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	kubenix(t, work, "build", "app.nix", "--out-dir", "out").must(t, "kubenix build")

	r := kubectl(t, "apply", "-f", filepath.Join(work, "out")+"/")
	if r.code == 0 || !strings.Contains(r.stderr, `unknown field "sops"`) {
		t.Errorf("plain kubectl apply of an encrypted Secret: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	t.Logf("plain kubectl apply: %s", r.stderr)
	apply := func(env ...string) result {
		cmd := exec.Command(kubenixB, "apply", "--kubectl", filepath.Join(cp.Bin, "kubectl"), "--kubeconfig", cp.Kubeconfig, "out")
		cmd.Dir = work
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "SOPS_AGE_KEY_FILE=", "SOPS_AGE_KEY=", "NO_COLOR=1")
		cmd.Env = append(cmd.Env, env...)
		return runCmd(t, cmd)
	}
	r = apply()
	if r.code != 2 || !strings.Contains(r.stderr, "0080-secret-sops-e2e-db.yaml: cannot decrypt") || !strings.Contains(r.stderr, "SOPS_AGE_KEY_FILE") {
		t.Errorf("kubenix apply without the key: exit %d\n%s", r.code, r.stderr)
	}
	r = apply("SOPS_AGE_KEY="+k.Identity).must(t, "kubenix apply")
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, canary) {
			t.Errorf("kubenix apply shows the value:\n%s", s)
		}
	}
	got := kubectl(t, "get", "secret", "db", "-n", "sops-e2e", "-o", "jsonpath={.data.password}").must(t, "kubectl get secret")
	if got.stdout != base64.StdEncoding.EncodeToString([]byte(canary)) {
		t.Errorf("Secret db password = %q", got.stdout)
	}
	ann := kubectl(t, "get", "secret", "db", "-n", "sops-e2e", "-o", "jsonpath={.metadata.annotations}").must(t, "kubectl get secret")
	if strings.Contains(ann.stdout, canary) || strings.Contains(ann.stdout, "last-applied") {
		t.Errorf("the Secret keeps its plaintext in an annotation: %s", ann.stdout)
	}
}
