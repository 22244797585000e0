package helmwrap

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A crds/ file whose last document ends in a block scalar reads as helm
// template prints it (the file, then a newline): "|" at the end of a file
// without a final newline gets one, "|+" keeps one more than the file has.
// .Capabilities.HelmVersion is the version of the helm CLI of the same SDK.
func TestRenderAsHelmTemplatePrints(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "printed")
	crd := func(plural, description string) string {
		return "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: " + plural + ".example.com\n" +
			"spec:\n  group: example.com\n  names: {kind: K" + plural + ", plural: " + plural + "}\n  scope: Namespaced\n" +
			"  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n" +
			"          type: object\n          description: " + description
	}
	for name, content := range map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: printed\nversion: 0.1.0\n",
		"crds/clip.yaml":      crd("clips", "|\n            no final newline in the file"),
		"crds/keep.yaml":      crd("keeps", "|+\n            kept\n"),
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: helm\ndata:\n  version: {{ .Capabilities.HelmVersion.Version | quote }}\n",
		"templates/NOTES.txt": "notes\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	o := RenderOptions{Chart: dir, Name: "p", Namespace: "x", KubeVersion: "1.37", IncludeCRDs: true, Values: map[string]any{}}
	objs := objectsByName(t, o)
	description := func(name string) any {
		return objs["CustomResourceDefinition/"+name].Object["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)["description"]
	}
	if got := description("clips.example.com"); got != "no final newline in the file\n" {
		t.Errorf("|: %q", got)
	}
	if got := description("keeps.example.com"); got != "kept\n\n" {
		t.Errorf("|+: %q", got)
	}
	if got := objs["ConfigMap/helm"].Object["data"].(map[string]any)["version"]; got != helmSDKVersion {
		t.Errorf(".Capabilities.HelmVersion.Version = %q, want %q", got, helmSDKVersion)
	}
	if !testing.Short() {
		if got, want := kubenixTemplate(t, o), helmTemplate(t, o); !slices.Equal(got, want) {
			t.Errorf("kubenix and helm template differ\nkubenix:\n%s\nhelm:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
