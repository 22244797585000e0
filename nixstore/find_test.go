package nixstore

import (
	"os"
	"path/filepath"
	"testing"
)

// The name of a result's store path says which app it came from.
func TestResultName(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "shop")
	if err := os.Mkdir(app, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{"app.nix", "app-manifests"},
		{"deploy/web prod.nix", "web-prod-manifests"},
		{filepath.Join(app, "default.nix"), "shop-manifests"},
		{app, "shop-manifests"},
		{".hidden.nix", "hidden-manifests"},
		{"...nix", "kubenix-manifests"},
		{"tree.json", "tree.json-manifests"},
	} {
		if got := ResultName(tc.file); got != tc.want {
			t.Errorf("ResultName(%q) = %q, want %q", tc.file, got, tc.want)
		}
	}
}
