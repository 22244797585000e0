package image

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Registry is a read-only OCI Distribution API over a set of images: the
// Nix-built images of a result, served straight from their blobs. Nothing
// is evaluated or built per request; writes are refused.
type Registry struct {
	repos map[string]*repo // by repository path (shop/api)
}

type repo struct {
	tags    map[string]*Image // tag -> image
	digests map[string]*Image // manifest digest -> image
}

// NewRegistry serves each image under its repository path and tag.
func NewRegistry() *Registry { return &Registry{repos: map[string]*repo{}} }

// Add serves img as path:tag (and by its digest).
func (r *Registry) Add(path, tag string, img *Image) {
	rp := r.repos[path]
	if rp == nil {
		rp = &repo{tags: map[string]*Image{}, digests: map[string]*Image{}}
		r.repos[path] = rp
	}
	rp.tags[tag] = img
	rp.digests[img.Digest] = img
}

var (
	manifestRoute = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]+)$`)
	blobRoute     = regexp.MustCompile(`^/v2/(.+)/blobs/([^/]+)$`)
	tagsRoute     = regexp.MustCompile(`^/v2/(.+)/tags/list$`)
)

// registryError writes an error body of the OCI distribution spec.
func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		registryError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only: it serves the images of a kubenix build")
		return
	}
	p := req.URL.Path
	if p == "/v2/" || p == "/v2" {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}"))
		return
	}
	if m := manifestRoute.FindStringSubmatch(p); m != nil {
		r.manifest(w, req, m[1], m[2])
		return
	}
	if m := blobRoute.FindStringSubmatch(p); m != nil {
		r.blob(w, req, m[1], m[2])
		return
	}
	if m := tagsRoute.FindStringSubmatch(p); m != nil {
		rp, ok := r.repos[m[1]]
		if !ok {
			registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
			return
		}
		tags := slices.Sorted(func(yield func(string) bool) {
			for t := range rp.tags {
				if !yield(t) {
					return
				}
			}
		})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": m[1], "tags": tags})
		return
	}
	registryError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
}

func (r *Registry) manifest(w http.ResponseWriter, req *http.Request, path, ref string) {
	rp, ok := r.repos[path]
	if !ok {
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	img := rp.tags[ref]
	if strings.HasPrefix(ref, "sha256:") {
		img = rp.digests[ref]
	}
	if img == nil {
		registryError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", fmt.Sprintf("manifest unknown: %s:%s", path, ref))
		return
	}
	w.Header().Set("Content-Type", string(types.OCIManifestSchema1))
	w.Header().Set("Docker-Content-Digest", img.Digest)
	w.Header().Set("Content-Length", fmt.Sprint(len(img.Manifest)))
	if req.Method == http.MethodHead {
		return
	}
	w.Write(img.Manifest)
}

func (r *Registry) blob(w http.ResponseWriter, req *http.Request, path, digest string) {
	rp, ok := r.repos[path]
	if !ok {
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	var file string
	for _, img := range rp.digests {
		if f := img.BlobPath(digest); f != "" {
			file = f
			break
		}
	}
	if file == "" {
		registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry: "+digest)
		return
	}
	f, err := os.Open(file)
	if err != nil {
		registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry: "+digest)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Docker-Content-Digest", digest)
	// ServeContent answers HEAD and Range requests.
	http.ServeContent(w, req, "", time.Time{}, f)
}
