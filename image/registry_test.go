package image

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// FuzzRegistryPath requests any path of a registry serving one image: it
// never panics, and never answers with a file that is not a blob of the
// image (a secret beside the blob directory stays unread).
func FuzzRegistryPath(f *testing.F) {
	for _, p := range []string{"/v2/", "/v2/shop/web/manifests/latest", "/v2/shop/web/tags/list",
		"/v2/shop/web/blobs/sha256:" + strings.Repeat("0", 64), "/v2/shop/web/blobs/../../secret",
		"/v2/shop/web/blobs/sha256:..%2F..%2Fsecret", "/v2/../secret", "//v2//shop/web/manifests/sha256:x"} {
		f.Add(p)
	}
	dir := f.TempDir()
	blob := []byte("layer bytes")
	sum := sha256.Sum256(blob)
	d := "sha256:" + hex.EncodeToString(sum[:])
	os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
	os.WriteFile(filepath.Join(dir, "blobs", "sha256", hex.EncodeToString(sum[:])), blob, 0o644)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("TOP SECRET"), 0o644)
	os.WriteFile(filepath.Join(dir, "blobs", "secret"), []byte("TOP SECRET"), 0o644)
	img := &Image{dir: dir, Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, Size: int64(len(blob))}}
	if err := img.seal(); err != nil {
		f.Fatal(err)
	}
	reg := NewRegistry()
	reg.Add("shop/web", "latest", img)
	f.Add("/v2/shop/web/blobs/" + d)
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/shop/web/blobs/"+d, nil))
	if rec.Code != http.StatusOK || rec.Body.String() != string(blob) {
		f.Fatalf("the image's own blob: %d %q", rec.Code, rec.Body.String())
	}
	f.Fuzz(func(t *testing.T, path string) {
		req, err := http.NewRequest(http.MethodGet, "http://registry"+path, nil)
		if err != nil || !strings.HasPrefix(req.URL.Path, "/") {
			return
		}
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, req)
		body := rec.Body.String()
		if strings.Contains(body, "TOP SECRET") {
			t.Fatalf("%q served a file outside the image's blobs", path)
		}
		if rec.Code == http.StatusOK && body != "{}" && body != string(blob) && body != string(img.Manifest) && !strings.HasPrefix(body, `{"name":`) {
			t.Fatalf("%q: 200 with %q", path, body)
		}
	})
}
