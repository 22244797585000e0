package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Validation errors point at the line of the user's .nix file where the
// offending field was written, across imports and keyed lists.
func TestValidationErrorsPointAtNixLines(t *testing.T) {
	requireNix(t)
	dir, _ := filepath.Abs(filepath.Join("testdata", "validate"))
	r := kubenix(t, dir, "build", "app.nix", "--no-out-link")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		`app.nix:11:7: error: Deployment/default/web: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer`,
		`app.nix:18:13: error: Deployment/default/web: spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes"`,
		`app.nix:19:13: error: Deployment/default/web: spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "lots": must be a quantity`,
		`service.nix:7:5: error: Service/default/web: spec.type: Unsupported value: "Loadbalancer": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("missing:\n  %s\nin:\n%s", want, r.stderr)
		}
	}
	if strings.Count(r.stderr, "error:") != 4 {
		t.Errorf("want exactly 4 errors (all of them, not just the first):\n%s", r.stderr)
	}
}

func TestKeyedResourcesForm(t *testing.T) {
	requireNix(t)
	dir, _ := filepath.Abs(filepath.Join("testdata", "validate"))
	r := kubenix(t, dir, "eval", "keyed.nix", "-o", "json").mustSucceed(t)
	var objs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &objs); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o["apiVersion"].(string)+" "+o["kind"].(string)+" "+o["metadata"].(map[string]any)["name"].(string))
	}
	if got := strings.Join(kinds, ", "); got != "v1 Namespace shop, v1 Service api, apps/v1 Deployment api" {
		t.Errorf("objects: %s", got)
	}
	c := objs[2]["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	env, _ := json.Marshal(c["env"])
	ports, _ := json.Marshal(c["ports"])
	if c["name"] != "api" || string(env) != `[{"name":"LOG","value":"info"},{"name":"MODE","value":"prod"}]` || string(ports) != `[{"containerPort":8080,"name":"http"}]` {
		t.Errorf("keyed lists not expanded: %v", c)
	}
}

func TestCheckCommand(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "check"))
	r := kubenix(t, dir, "check", "good.yaml", "--crd", "crds")
	if r.code != 0 || !strings.Contains(r.stdout, "2 objects checked: 0 errors, 0 warnings") {
		t.Errorf("good: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Without the CRD the Widget's kind is unknown.
	if r := kubenix(t, dir, "check", "good.yaml"); r.code != 1 || !strings.Contains(r.stdout, "unknown kind example.com/v1 Widget") {
		t.Errorf("no CRD: exit %d\n%s", r.code, r.stdout)
	}
	if r := kubenix(t, dir, "check", "good.yaml", "--allow-unknown-kinds"); r.code != 0 || !strings.Contains(r.stdout, "warning:") {
		t.Errorf("allow unknown kinds: exit %d\n%s", r.code, r.stdout)
	}
	// A directory is searched recursively; the CRD in crds/ applies to all.
	r = kubenix(t, dir, "check", ".")
	if r.code != 1 {
		t.Fatalf("dir: exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{
		`bad.yaml:5:3: error: Service/default/web: spec.type: Unsupported value: "Loadbalancer"`,
		`bad.yaml:8:5: error: Service/default/web: spec.ports[0].port: duplicate key "port": it is also at line 7`,
		"4 objects checked, 1 invalid: 2 errors, 0 warnings",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, r.stdout)
		}
	}
	r = kubenix(t, dir, "check", "bad.yaml", "--format", "json")
	var out struct {
		Objects []struct {
			Kind   string
			Errors []struct{ Field, Reason, Message string }
		}
		Summary struct{ Objects, Invalid, Errors int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 1 {
		t.Fatalf("json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if len(out.Objects) != 1 || len(out.Objects[0].Errors) != 2 || out.Summary.Invalid != 1 ||
		out.Objects[0].Errors[0].Reason != "FieldValueNotSupported" || out.Objects[0].Errors[0].Field != "spec.type" {
		t.Errorf("json: %+v", out)
	}
	r = kubenix(t, dir, "check", "bad.yaml", "--format", "github")
	if !strings.Contains(r.stdout, "::error file=bad.yaml,line=5,col=3,title=Service/default/web spec.type::Unsupported value") {
		t.Errorf("github:\n%s", r.stdout)
	}
	for _, args := range [][]string{{"check"}, {"check", "README.md"}, {"check", "nope.yaml"}, {"check", "good.yaml", "--kube-version", "1.12"}} {
		if r := kubenix(t, dir, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestCheckNixFile(t *testing.T) {
	requireNix(t)
	dir, _ := filepath.Abs(filepath.Join("testdata", "validate"))
	r := kubenix(t, dir, "check", "app.nix", "keyed.nix")
	if r.code != 1 || !strings.Contains(r.stdout, "service.nix:7:5: error:") || !strings.Contains(r.stdout, "5 objects checked, 2 invalid: 4 errors") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestKubeVersionAndNamespaceFlags(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: {
  cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "a"; };
  ns = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "shop"; };
  dc = { apiVersion = "resource.k8s.io/v1"; kind = "DeviceClass"; metadata.name = "gpu"; spec = { }; };
}`)
	r := kubenix(t, dir, "eval", "app.nix", "-n", "shop", "-o", "json").mustSucceed(t)
	if !strings.Contains(r.stdout, `"namespace": "shop"`) || strings.Count(r.stdout, `"namespace"`) != 1 {
		t.Errorf("--namespace must fill the ConfigMap only:\n%s", r.stdout)
	}
	r = kubenix(t, dir, "build", "app.nix", "--no-out-link", "--kube-version", "1.30")
	if r.code != 1 || !strings.Contains(r.stderr, "resource.k8s.io/v1 DeviceClass is not served by Kubernetes 1.30; it is served from Kubernetes 1.34 on") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestExplainCommand(t *testing.T) {
	r := kubenix(t, "", "explain", "deployment.spec.strategy")
	if r.code != 0 || !strings.Contains(r.stdout, "FIELD: strategy <DeploymentStrategy>") || !strings.Contains(r.stdout, "enum: Recreate, RollingUpdate") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	r = kubenix(t, "", "explain", "svc.spec.type", "--kube-version", "1.30")
	if r.code != 0 || !strings.Contains(r.stdout, "ClusterIP, ExternalName, LoadBalancer, NodePort") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
	dir, _ := filepath.Abs(filepath.Join("testdata", "check"))
	r = kubenix(t, dir, "explain", "widgets.spec.size", "--crd", "crds")
	if r.code != 0 || !strings.Contains(r.stdout, "FIELD: size <integer>") {
		t.Errorf("crd: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A group-qualified resource, as kubectl explain takes it.
	for _, what := range []string{"deployments.apps", "deployments.apps.spec.replicas", "ingresses.networking.k8s.io.spec"} {
		r = kubenix(t, "", "explain", what)
		if r.code != 0 || !strings.Contains(r.stdout, "GROUP:      ") {
			t.Errorf("%s: exit %d\n%s%s", what, r.code, r.stdout, r.stderr)
		}
	}
	r = kubenix(t, "", "explain", "deployment.spec.nope")
	if r.code != 2 || !strings.Contains(r.stderr, `field "spec.nope" does not exist in Deployment`) {
		t.Errorf("bad field: exit %d\n%s", r.code, r.stderr)
	}
}

// --crd is read by one function for every command: a path that does not
// exist is a usage error (exit 2) naming it, whatever the command.
func TestMissingCRDPathIsAUsageError(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "check"))
	for _, args := range [][]string{
		{"check", "good.yaml", "--crd", "nothing-here"},
		{"diff", "good.yaml", "good.yaml", "--crd", "nothing-here"},
		{"explain", "deployment", "--crd", "nothing-here"},
		{"build", "--from-json", "nothing.json", "--out-dir", t.TempDir(), "--crd", "nothing-here"},
	} {
		r := kubenix(t, dir, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "--crd nothing-here") {
			t.Errorf("%v: exit %d, want 2 naming --crd nothing-here:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
}
