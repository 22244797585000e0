package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/manifest"
)

// CheckResult is what `kubenix check` found.
type CheckResult struct {
	Objects     []*manifest.Object
	Diagnostics diag.List
}

// Summary counts objects and problems.
func (r *CheckResult) Summary() *diag.Summary {
	s := &diag.Summary{Objects: len(r.Objects)}
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

// CheckPaths validates .nix files (evaluated like build does) and YAML or
// JSON manifests (files, or directories searched recursively) together:
// CRDs in any of them apply to all. It writes nothing.
func CheckPaths(ctx context.Context, opts Options, evalFor func(file string) (eval.Options, error), paths []string) (*CheckResult, error) {
	if len(paths) == 0 {
		return nil, diag.Usagef("nothing to check: give .nix files, manifest files or directories")
	}
	set, err := newSet(opts)
	if err != nil {
		return nil, err
	}
	var sources []*Source
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, &diag.UsageError{Err: fmt.Errorf("%s: no such file or directory", p)}
		}
		switch ext := filepath.Ext(p); {
		case !fi.IsDir() && ext == ".nix":
			eo, err := evalFor(p)
			if err != nil {
				return nil, err
			}
			o := opts
			o.Eval = eo
			var t Timings
			src, warnings, err := evaluate(ctx, &o, set, &t)
			if err != nil {
				inv, ok := err.(*diag.InvalidInput)
				if !ok {
					return nil, err
				}
				sources = append(sources, &Source{Diags: inv.Diagnostics})
				continue
			}
			src.Diags = append(warnings, src.Diags...)
			sources = append(sources, src)
		case fi.IsDir() || ext == ".yaml" || ext == ".yml" || ext == ".json":
			files, err := manifest.Files(p)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				objs, d := manifest.ReadFile(f)
				sources = append(sources, &Source{Objects: objs, Diags: d})
			}
		default:
			return nil, diag.Usagef("%s: kubenix checks .nix files, .yaml/.yml/.json manifests and directories of manifests", p)
		}
	}
	res, err := Check(ctx, set, opts, sources...)
	if err != nil {
		return nil, err
	}
	return &CheckResult{Objects: res.Objects, Diagnostics: res.Diagnostics}, nil
}
