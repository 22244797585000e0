package pipeline

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/manifest"
)

// JSONSource reads a tree that was evaluated elsewhere: the JSON of a Nix
// value (builtins.toJSON), as the flake's kubenix.lib.manifests hands it to
// the derivation that writes the manifests, where kubenix cannot run Nix.
// From there on it is checked as an evaluated .nix file is. There are no
// source positions: diagnostics name the file, the tree path and the object.
//
// With findImages, image references tagged with a store hash
// (kubenix.image) are Nix-built images when that store path is present in
// storeDir, as a derivation's inputs are; without, there is no telling them
// from other tags (looking in a store the build does not own would make the
// output depend on what happens to be there).
func JSONSource(file, lockFile, storeDir string, findImages bool) (*Source, error) {
	data, err := userfile.Read(file, userfile.ManifestLimit)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	where := diag.Pos{File: file}
	tree, err := manifest.DecodeJSON(data)
	if err != nil {
		return nil, diag.List{{Severity: diag.Error, Pos: where, Message: "not a JSON tree of objects: " + err.Error(),
			Hint: "--from-json reads what builtins.toJSON (or nix eval --json) gives for an app's value"}}.Err()
	}
	objs, keyed, diags := manifest.Extract(tree, nil)
	for _, o := range objs {
		o.Origin.Site = where
	}
	for _, k := range keyed {
		k.Origin.Site = where
	}
	for i := range diags {
		if diags[i].Pos.IsZero() {
			diags[i].Pos = where
		}
	}
	// Only an explicit lock: a tree has no app file to find one beside.
	lf := &lock.File{Version: 1}
	if lockFile != "" {
		if lf, err = lock.Read(lockFile); err != nil {
			return nil, &diag.UsageError{Err: err}
		}
	}
	src := &Source{Objects: objs, Keyed: keyed, Diags: diags, Lock: lf, storeDir: storeDir}
	if findImages {
		src.NixImages = imagesInStore(storeDir, tree)
	}
	return src, nil
}

// imagesInStore finds the store paths that the tree's store-hash-tagged
// image references (registry/name:<hash>, nix:0/<store path>) name, among
// those present in storeDir.
func imagesInStore(storeDir string, tree any) map[string]image.NixImage {
	out := map[string]image.NixImage{}
	wanted := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case string:
			if image.IsSnapshotter(t) {
				p := strings.TrimPrefix(t, "nix:0")
				base := filepath.Base(p)
				if filepath.Dir(p) == storeDir && len(base) > 33 {
					if _, err := os.Lstat(p); err == nil {
						out[base[:32]] = image.NixImage{Drv: p, Out: p}
					}
				}
			} else if h := image.StoreHashOf(t); h != "" {
				wanted[h] = true
			}
		}
	}
	walk(tree)
	if len(wanted) == 0 {
		return out
	}
	// In a derivation's sandbox the store holds only its inputs; elsewhere
	// this lists the whole store once.
	ents, _ := os.ReadDir(storeDir)
	for _, e := range ents {
		name := e.Name()
		if len(name) > 33 && name[32] == '-' && wanted[name[:32]] && !strings.HasSuffix(name, ".drv") {
			p := filepath.Join(storeDir, name)
			// No derivation to name: the image was built before kubenix ran.
			out[name[:32]] = image.NixImage{Drv: p, Out: p}
		}
	}
	return out
}
