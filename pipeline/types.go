package pipeline

import (
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/secrets"
)

// Options configure loading and checking objects.
type Options struct {
	Eval eval.Options
	// FromJSON, when set, is a file holding the JSON tree of an app
	// evaluated elsewhere (see JSONSource); Eval then only supplies the
	// cache directory.
	FromJSON           string
	KubeVersion        string   // target Kubernetes version ("" = newest known)
	Namespace          string   // for namespaced objects without one ("" = manifest.DefaultNamespace)
	CRDs               []string // files or directories of extra CRDs (--crd)
	AllowUnknownKinds  bool
	AllowUnknownFields bool
	Lock               string // kubenix.lock to use ("" finds the app's)
	Strict             bool   // charts that render differently each time are errors

	BuildImages   bool     // realise Nix-built images and pin them by digest (--images build)
	RequirePinned bool     // an image reference that is not pinned is an error
	ImageFields   []string // more places that hold image references: Kind:spec.path
	ImageRegistry string   // the registry kubenix.image tags with ("" = localhost:5000)

	Secrets secrets.Options // what counts as a secret, and whether plaintext ones may pass
}

// BuildOptions configure a build: loading plus where the result goes.
type BuildOptions struct {
	Options
	OutLink  string // symlink to the store result (default "result")
	NoLink   bool   // add to the store but create no link (like nix-build --no-out-link)
	OutDir   string // write plain files into this directory instead of the store
	NixStore string // the nix-store executable; "" finds it next to nix-instantiate or on PATH
}

// Timings record how long each stage took.
type Timings struct {
	Eval, Extract, Validate, Render, Write time.Duration
	Renders, CachedRenders                 int // Helm charts rendered, and served from the cache
}

// CRDs are the CustomResourceDefinitions given apart from the objects
// (--crd): they define types for every source and are not output.
type CRDs struct {
	Objects  []*manifest.Object
	Problems diag.List // found reading their files
}

// Checked is the outcome of Check.
type Checked struct {
	Objects     []*manifest.Object
	Images      []*image.Info
	Diagnostics diag.List
}

// Loaded is the checked, ordered object set of a build.
type Loaded struct {
	Objects  []*manifest.Object // in install order
	Images   []*image.Info      // every image the objects refer to
	Warnings diag.List
	StoreDir string
	Timings  Timings
}

// Built describes a finished build.
type Built struct {
	*Loaded
	Files     []manifest.File
	StorePath string // the store result, when written to the store
	Written   string // where the result can be found: the link, the store path or the out dir
}

// CheckResult is what `kubenix check` found.
type CheckResult struct {
	Objects     int // how many were checked
	Diagnostics diag.List
}

// Summary counts objects and problems.
func (r *CheckResult) Summary() *diag.Summary {
	s := &diag.Summary{Objects: r.Objects}
	invalid := map[string]bool{}
	for _, d := range r.Diagnostics {
		if d.Severity == diag.Error {
			s.Errors++
			if d.Object != "" {
				invalid[d.Object+"\x00"+d.Path+"\x00"+d.Pos.File] = true
			}
		} else {
			s.Warnings++
		}
	}
	s.Invalid = len(invalid)
	return s
}
