package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixstore"
)

// write renders the objects of a build and writes them: into the Nix
// store with a link to the result, or into a plain directory.
func write(ctx context.Context, opts BuildOptions, l *Loaded) (*Built, error) {
	var err error
	b := &Built{Loaded: l}
	start := time.Now()
	b.Files, err = manifest.Render(l.Objects)
	if err != nil {
		return nil, err
	}
	if len(l.Images) > 0 {
		b.Files = append(b.Files, manifest.File{Name: image.ListFile, Data: image.FormatList(l.Images)})
	}
	l.Timings.Render = time.Since(start)

	start = time.Now()
	if opts.OutDir != "" {
		if err := manifest.WriteDir(ctx, opts.OutDir, b.Files); err != nil {
			return nil, err
		}
		b.Written = opts.OutDir
	} else {
		st, err := nixstore.Find(opts.NixStore, opts.Eval.NixInstantiate, l.StoreDir)
		if err != nil {
			return nil, err
		}
		link := opts.outLink()
		name := opts.Eval.File
		if opts.FromJSON != "" {
			name = strings.TrimSuffix(opts.FromJSON, ".json")
		}
		b.StorePath, err = manifest.WriteStore(ctx, st, nixstore.ResultName(name), b.Files, builtArchives(l.Images), link)
		for _, u := range st.Unreferenced {
			l.Warnings = append(l.Warnings, diag.Diagnostic{Severity: diag.Warning,
				Message: fmt.Sprintf("%s was added with nix-store --add, which records no references: the garbage collector may delete the %d store paths it names (%v)", u.Path, u.References, u.Err)})
		}
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

// builtArchives are the archives of the result's Nix-built images that are
// in the store (built, not only named): the result refers to them, so the
// garbage collector keeps them while the result lives.
func builtArchives(images []*image.Info) []string {
	var out []string
	for _, img := range images {
		if img.Archive == "" {
			continue
		}
		if _, err := os.Lstat(img.Archive); err == nil {
			out = append(out, img.Archive)
		}
	}
	return out
}

// outLink is the link to a store result, or "" for none.
func (opts BuildOptions) outLink() string {
	switch {
	case opts.OutDir != "" || opts.NoLink:
		return ""
	case opts.OutLink == "":
		return "result"
	}
	return opts.OutLink
}
