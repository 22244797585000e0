package manifest

import (
	"strings"
	"testing"
)

func obj(apiVersion, kind, ns, name string) *Object {
	return &Object{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name}
}

func TestOrderAndFileNames(t *testing.T) {
	objs := []*Object{
		obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", "hook"),
		obj("example.com/v1", "Widget", "web", "w"),
		obj("apps/v1", "Deployment", "web", "b"),
		obj("apps/v1", "Deployment", "web", "a"),
		obj("v1", "Service", "web", "a"),
		obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "widgets.example.com"),
		obj("v1", "Namespace", "", "web"),
		obj("rbac.authorization.k8s.io/v1", "ClusterRole", "", "system:Reader"),
		obj("other.io/v1", "Widget", "web", "w"),
	}
	Order(objs)
	got := strings.Join(FileNames(objs), "\n")
	want := strings.Join([]string{
		"0010-namespace-web.yaml",
		"0140-customresourcedefinition-widgets.example.com.yaml",
		"0150-clusterrole-system-reader.yaml",
		"0230-service-web-a.yaml",
		"0280-deployment-web-a.yaml",
		"0280-deployment-web-b.yaml",
		"0500-widget-web-w.yaml",
		"0500-widget-web-w-3548e2ca.yaml",
		"0910-validatingwebhookconfiguration-hook.yaml",
	}, "\n")
	if got != want {
		t.Errorf("file names:\n%s\nwant:\n%s", got, want)
	}
	if objs[6].Group() != "example.com" {
		t.Errorf("the plain name goes to the first group in order, got %s", objs[6].APIVersion)
	}
}

func TestFileNamesAreSafe(t *testing.T) {
	long := strings.Repeat("a", 253)
	objs := []*Object{obj("v1", "ConfigMap", "ns", long), obj("v1", "ConfigMap", "ns", "We/ird Name..")}
	for _, n := range FileNames(objs) {
		if len(n) > 255 || strings.ContainsAny(n, "/ ABCDEFGHIJKLMNOPQRSTUVWXYZ") || !strings.HasSuffix(n, ".yaml") {
			t.Errorf("unsafe file name %q", n)
		}
	}
}
