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

// A failed build names the derivation Nix named, so that the image that
// failed (and not every image of the build) is reported.
func TestRealiseErrorNamesTheDerivation(t *testing.T) {
	stderr := "building '/nix/store/aaaa-web.drv'...\n" +
		"oops: no such file\n" +
		"error: builder for '/nix/store/aaaa-web.drv' failed with exit code 1\n"
	err := realiseError(stderr)
	re, ok := err.(*RealiseError)
	if !ok {
		t.Fatalf("realiseError = %T %v, want a *RealiseError", err, err)
	}
	if len(re.Drvs) != 1 || re.Drvs[0] != "/nix/store/aaaa-web.drv" {
		t.Errorf("Drvs = %q", re.Drvs)
	}
	if want := "builder for '/nix/store/aaaa-web.drv' failed with exit code 1; last lines of its log:\n    oops: no such file"; re.Error() != want {
		t.Errorf("message:\n%s\nwant\n%s", re.Error(), want)
	}
}
