// Package pipeline is the whole story of a build in one place: evaluate,
// extract, check identities, order, render, write. Each step is a function of
// another package; this one only wires them.
package pipeline

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixstore"
)

// Options configure loading objects from a .nix file.
type Options struct {
	Eval eval.Options
}

// Timings record how long each stage took.
type Timings struct {
	Eval, Extract, Render, Write time.Duration
}

// Loaded is the checked, ordered object set of a build.
type Loaded struct {
	Objects  []*manifest.Object // in install order
	Warnings diag.List
	StoreDir string
	Timings  Timings
}

// Load evaluates the file and returns its objects in install order, or an
// error carrying every problem found.
func Load(ctx context.Context, opts Options) (*Loaded, error) {
	var l Loaded
	start := time.Now()
	res, err := eval.Evaluate(ctx, opts.Eval)
	if err != nil {
		return nil, err
	}
	l.Timings.Eval = time.Since(start)
	l.StoreDir = res.StoreDir

	start = time.Now()
	sites := make(manifest.Sites, len(res.Objects))
	for _, s := range res.Objects {
		sites[manifest.Path(s.Path).String()] = manifest.Origin{Pos: s.Pos, Site: s.Site}
	}
	objs, diags := manifest.Extract(res.Value, sites)
	diags = append(diags, manifest.CheckDuplicates(objs)...)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	manifest.Order(objs)
	l.Objects = objs
	l.Warnings = diags
	l.Timings.Extract = time.Since(start)
	return &l, nil
}

// BuildOptions configure a build: loading plus where the result goes.
type BuildOptions struct {
	Options
	OutLink  string // symlink to the store result (default "result"); "" with NoLink
	NoLink   bool   // add to the store but create no link (like nix-build --no-out-link)
	OutDir   string // write plain files into this directory instead of the store
	NixStore string // the nix-store executable; "" finds it next to nix-instantiate or on PATH
}

// Built describes a finished build.
type Built struct {
	*Loaded
	Files     []manifest.File
	StorePath string // the store result, when written to the store
	Written   string // where the result can be found: the link, the store path or the out dir
}

// Build loads, renders and writes. Nothing is written unless every object is
// valid; the previous result stays in place until the new one is complete.
func Build(ctx context.Context, opts BuildOptions) (*Built, error) {
	l, err := Load(ctx, opts.Options)
	if err != nil {
		return nil, err
	}
	b := &Built{Loaded: l}
	start := time.Now()
	b.Files, err = manifest.Render(l.Objects)
	if err != nil {
		return nil, err
	}
	l.Timings.Render = time.Since(start)

	start = time.Now()
	if opts.OutDir != "" {
		if err := manifest.WriteDir(ctx, opts.OutDir, b.Files); err != nil {
			return nil, err
		}
		b.Written = opts.OutDir
	} else {
		st, err := nixStore(opts, l.StoreDir)
		if err != nil {
			return nil, err
		}
		link := opts.OutLink
		if opts.NoLink {
			link = ""
		} else if link == "" {
			link = "result"
		}
		b.StorePath, err = manifest.WriteStore(ctx, st, StoreName(opts.Eval.File), b.Files, link)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ue *diag.UsageError
			if !errors.As(err, &ue) {
				err = &diag.UsageError{Err: err, Hint: "kubenix writes results into the Nix store; where the store is not writable, use --out-dir DIR"}
			}
			return nil, err
		}
		b.Written = b.StorePath
		if link != "" {
			b.Written = link
		}
	}
	l.Timings.Write = time.Since(start)
	return b, nil
}

func nixStore(opts BuildOptions, storeDir string) (*nixstore.Store, error) {
	bin := opts.NixStore
	if bin == "" {
		if inst, err := eval.FindNix(opts.Eval.NixInstantiate); err == nil {
			if p := filepath.Join(filepath.Dir(inst), "nix-store"); isExecutable(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		bin = "nix-store"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		return nil, &diag.UsageError{Err: err, Hint: eval.NotFoundHint}
	}
	if storeDir == "" {
		storeDir = nixstore.DefaultStoreDir
	}
	return &nixstore.Store{Dir: storeDir, NixStore: p}, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// StoreName is the name part of a build's store path: the file's name
// without .nix (the directory's name for default.nix), then "-manifests".
func StoreName(file string) string {
	base := filepath.Base(file)
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		base = filepath.Base(filepath.Clean(file))
	} else if base == "default.nix" {
		if abs, err := filepath.Abs(file); err == nil {
			base = filepath.Base(filepath.Dir(abs))
		}
	}
	base = strings.TrimSuffix(base, ".nix")
	var b strings.Builder
	for _, c := range base {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+-._?=", c) {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if name == "" {
		name = "kubenix"
	}
	return name + "-manifests"
}
