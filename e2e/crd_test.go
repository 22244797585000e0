package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A build that defines a CRD and custom resources of it: one kubectl apply
// cannot take it; the steps kubenix build prints can, and so can kubenix
// apply, for real, server-side, and as a server-side dry run. Each case uses
// a CRD group of its own, so each apply is a first one.
func TestCRDsFirst(t *testing.T) {
	needCluster(t)
	work := t.TempDir()
	app := filepath.Join(repoRoot(), "examples", "crd", "app.nix")
	build := func(t *testing.T, group string) (string, result) {
		result := filepath.Join(work, "result-"+group)
		r := kubenix(t, work, "build", app, "--argstr", "group", group, "--out-link", result).must(t, "kubenix build")
		return result, r
	}
	applyArgs := []string{"apply", "--kubectl", filepath.Join(cp.Bin, "kubectl"), "--kubeconfig", cp.Kubeconfig}
	backup := func(t *testing.T, group string) result {
		return kubectl(t, "get", "backups."+group, "-n", "shop", "nightly", "-o", "jsonpath={.spec.keep}")
	}

	t.Run("the printed steps", func(t *testing.T) {
		result, b := build(t, "steps.example.com")
		if r := kubectl(t, "apply", "-f", result+"/"); r.code == 0 || !strings.Contains(r.stderr, "ensure CRDs are installed first") {
			t.Fatalf("one kubectl apply of a CRD and its resources: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		m := regexp.MustCompile(`(?m)^    (kubectl apply -f \S+crds/ && .*)$`).FindStringSubmatch(b.stderr)
		if m == nil {
			t.Fatalf("build did not print the steps:\n%s", b.stderr)
		}
		sh := exec.Command("sh", "-c", m[1])
		sh.Env = append(os.Environ(), "PATH="+cp.Bin+":"+os.Getenv("PATH"), "KUBECONFIG="+cp.Kubeconfig)
		runCmd(t, sh).must(t, m[1])
		if r := backup(t, "steps.example.com"); r.stdout != "14" {
			t.Errorf("Backup nightly: keep = %q (%s)", r.stdout, r.stderr)
		}
	})

	t.Run("kubenix apply", func(t *testing.T) {
		result, _ := build(t, "apply.example.com")
		dry := kubenix(t, work, append(applyArgs, "--dry-run=server", result)...).must(t, "kubenix apply --dry-run=server")
		if !strings.Contains(dry.stderr, "dry run: skipped 1 object: ") || !strings.Contains(dry.stderr, "CustomResourceDefinition/backups.apply.example.com must exist first") {
			t.Errorf("dry run before the CRD exists:\n%s", dry.stderr)
		}
		if r := kubectl(t, "get", "crd", "backups.apply.example.com"); r.code == 0 {
			t.Fatal("a dry run created the CRD")
		}
		r := kubenix(t, work, append(applyArgs, result)...).must(t, "kubenix apply")
		for _, want := range []string{"customresourcedefinition.apiextensions.k8s.io/backups.apply.example.com created", "backup.apply.example.com/nightly created"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("kubenix apply: no %q in\n%s", want, r.stdout)
			}
		}
		if r := backup(t, "apply.example.com"); r.stdout != "14" {
			t.Errorf("Backup nightly: keep = %q (%s)", r.stdout, r.stderr)
		}
		again := kubenix(t, work, append(applyArgs, result)...).must(t, "second kubenix apply")
		for _, l := range nonEmptyLines(again.stdout) {
			if !strings.HasSuffix(l, " unchanged") {
				t.Errorf("second apply changed something: %s", l)
			}
		}
		dry = kubenix(t, work, append(applyArgs, "--dry-run=server", result)...).must(t, "kubenix apply --dry-run=server")
		if strings.Contains(dry.stderr, "skipped") || !strings.Contains(dry.stdout, "backup.apply.example.com/nightly unchanged (server dry run)") {
			t.Errorf("dry run once the CRD exists:\n%s%s", dry.stdout, dry.stderr)
		}
	})

	t.Run("server-side", func(t *testing.T) {
		result, _ := build(t, "ssa.example.com")
		r := kubenix(t, work, append(applyArgs, "--server-side", result)...).must(t, "kubenix apply --server-side")
		if !strings.Contains(r.stdout, "backup.ssa.example.com/nightly serverside-applied") {
			t.Errorf("kubenix apply --server-side:\n%s", r.stdout)
		}
		managers := kubectl(t, "get", "backups.ssa.example.com", "-n", "shop", "nightly", "-o", "jsonpath={.metadata.managedFields[*].manager}")
		if !strings.Contains(managers.stdout, "kubenix") {
			t.Errorf("field managers: %q", managers.stdout)
		}
	})

	t.Run("dry run of a new namespace", func(t *testing.T) {
		app := filepath.Join(work, "ns.nix")
		os.WriteFile(app, []byte(`{ kubenix }: {
  ns = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "dry-run-only"; };
  cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata = { name = "c"; namespace = "dry-run-only"; }; data.a = "b"; };
}`), 0o644)
		result := filepath.Join(work, "result-ns")
		kubenix(t, work, "build", app, "--out-link", result).must(t, "kubenix build")
		r := kubenix(t, work, append(applyArgs, "--dry-run=server", result)...).must(t, "kubenix apply --dry-run=server")
		if !strings.Contains(r.stdout, "namespace/dry-run-only created (server dry run)") ||
			!strings.Contains(r.stderr, "skipped 1 object: Namespace/dry-run-only must exist first") {
			t.Errorf("dry run:\n%s%s", r.stdout, r.stderr)
		}
		if r := kubectl(t, "get", "namespace", "dry-run-only"); r.code == 0 {
			t.Error("a dry run created the namespace")
		}
	})

	t.Run("bad input", func(t *testing.T) {
		if r := kubenix(t, work, append(applyArgs, filepath.Join(work, "nothing"))...); r.code != 2 || !strings.Contains(r.stderr, "no such result") {
			t.Errorf("missing result: exit %d\n%s", r.code, r.stderr)
		}
		if r := kubenix(t, work, append(applyArgs, "--dry-run=client", "x")...); r.code != 2 {
			t.Errorf("--dry-run=client: exit %d\n%s", r.code, r.stderr)
		}
		result, _ := build(t, "unreachable.example.com")
		r := kubenix(t, work, "apply", "--kubectl", filepath.Join(cp.Bin, "kubectl"), "--kubeconfig", filepath.Join(work, "no-kubeconfig"), result)
		if r.code != 2 || !strings.Contains(r.stderr, "kubectl apply failed") {
			t.Errorf("no cluster: exit %d\n%s", r.code, r.stderr)
		}
	})
}
