package objdiff

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/pipeline"
	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/secrets"
)

// Loader reads the sides of a comparison.
type Loader struct {
	// Options build .nix sides (Eval.File is set for each); their
	// KubeVersion, Namespace and CRDs also decide the namespace of
	// namespaced objects that a manifest leaves without one, as kubectl
	// apply would.
	Options pipeline.Options
	Git     string // the git executable; "" finds git on PATH
}

// Load reads one side, named as on the command line:
//   - a directory of manifests (a kubenix result, an --out-dir, any
//     directory of .yaml/.yml/.json files, searched recursively), or a
//     single manifest file;
//   - a .nix file, or a directory with default.nix, built in-process;
//   - REV:PATH, PATH (relative to the current directory) as it is in the
//     git revision REV, checked out into a temporary directory.
//
// An existing file wins over REV:PATH, so a file name with a colon works.
func (l *Loader) Load(ctx context.Context, arg string) (*Side, error) {
	if arg == "" {
		return nil, diag.Usagef("an empty argument is not a result, a .nix file or REV:PATH")
	}
	if _, err := os.Stat(arg); err == nil {
		return l.loadPath(ctx, arg, arg)
	}
	if rev, path, ok := splitRev(arg); ok {
		return l.loadRev(ctx, arg, rev, path)
	}
	return nil, &diag.UsageError{
		Err:  fmt.Errorf("%s: no such file or directory", arg),
		Hint: "give a result directory, a .nix file, or REV:PATH for a file in a git revision",
	}
}

// LoadPrevious reads the result a build is about to replace: the
// directory (or the link to it) at path, or nothing when there is none.
func (l *Loader) LoadPrevious(ctx context.Context, path string) (*Side, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Side{Name: path}, nil
	}
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	if !fi.IsDir() {
		return nil, diag.Usagef("%s is not a result directory", path)
	}
	return l.readManifests(path, path)
}

func splitRev(arg string) (rev, path string, ok bool) {
	rev, path, ok = strings.Cut(arg, ":")
	return rev, path, ok && rev != ""
}

func (l *Loader) loadPath(ctx context.Context, name, path string) (*Side, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "default.nix")); err == nil {
			return l.build(ctx, name, path)
		}
		return l.readManifests(name, path)
	}
	switch filepath.Ext(path) {
	case ".nix":
		return l.build(ctx, name, path)
	case ".yaml", ".yml", ".json":
		return l.readManifests(name, path)
	}
	return nil, &diag.UsageError{
		Err:  fmt.Errorf("%s: not a .nix file, a manifest (.yaml, .yml, .json) or a directory", name),
		Hint: "kubenix diff compares result directories, directories of manifests, .nix files and REV:PATH",
	}
}

// build evaluates and checks a .nix side as kubenix build would.
func (l *Loader) build(ctx context.Context, name, file string) (*Side, error) {
	opts := l.Options
	opts.Eval.File = file
	ld, err := pipeline.Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := ObjectsSide(name, ld.Objects)
	s.Warnings = ld.Warnings
	return s, nil
}

// readManifests reads the objects of a manifest file, or of every
// .yaml/.yml/.json file below a directory (not in hidden directories, so
// a store result's .objects/ is skipped; images.txt and .kubenix-result
// are not manifests), as kubectl reads them. Each object is sealed (see
// seal) as soon as its namespace is known: when it names one, or its kind
// is known (built in, or defined by a CRD read before it); the others
// wait for every CRD of the side.
func (l *Loader) readManifests(name, path string) (*Side, error) {
	root, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	files, err := manifest.Files(root)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	set, setErr := l.namespaceSet()
	// Messages name files as the user named the side (result/x.yaml), not
	// where the link leads.
	prefix := filepath.Clean(path) + "/"
	s := &Side{Name: name}
	store := newTexts()
	var waiting []int // entries whose kind is not known yet
	var diags diag.List
	for _, f := range files {
		rel := filepath.Base(f)
		if r, err := filepath.Rel(root, f); err == nil && r != "." {
			rel = filepath.ToSlash(r)
		}
		d := manifest.ReadFileEach(f, false, func(o []*manifest.Object) {
			if len(o) == 1 && secrets.IsEncrypted(o[0]) && err == nil {
				// Its MAC covers the values as written: decrypting it
				// takes the file's bytes, as a build keeps them.
				o[0].Raw, err = os.ReadFile(f)
			}
			for _, x := range o {
				x.Origin.Pos = relabelPos(x.Origin.Pos, root, prefix, path)
				s.Entries = append(s.Entries, Entry{Object: x, File: rel})
				if set == nil {
					continue // only the file's problems are wanted now
				}
				if x.IsCRD() {
					set = set.With([]*manifest.Object{x})
				}
				if _, known := set.Lookup(x.APIVersion, x.Kind); known || x.Namespace != "" {
					set.DefaultNamespaces([]*manifest.Object{x}, l.Options.Namespace)
					seal(&s.Entries[len(s.Entries)-1], store)
				} else {
					waiting = append(waiting, len(s.Entries)-1)
				}
			}
		})
		if err != nil {
			return nil, &diag.UsageError{Err: err}
		}
		diags = append(diags, relabel(d, root, prefix, path)...)
	}
	if err := diags.Err(); err != nil {
		return nil, err
	}
	if setErr != nil {
		return nil, setErr
	}
	for _, i := range waiting {
		set.DefaultNamespaces([]*manifest.Object{s.Entries[i].Object}, l.Options.Namespace)
		seal(&s.Entries[i], store)
	}
	store.done()
	if err := duplicates(s).Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// namespaceSet is what decides the namespace of namespaced objects
// without one, as a build (and kubectl apply) would: the kinds of the
// target version and of --crd (a side's own CRDs are added as read).
func (l *Loader) namespaceSet() (*schema.Set, error) {
	set, err := schema.NewSet(l.Options.KubeVersion)
	if err != nil {
		return nil, &diag.UsageError{Err: err, Hint: "choose one with --kube-version"}
	}
	crds, d, err := manifest.ReadCRDs(l.Options.CRDs)
	if err != nil {
		return nil, err
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	return set.With(crds), nil
}

// duplicates reports objects a side holds twice: the cluster would see
// only one of them.
func duplicates(s *Side) diag.List {
	var l diag.List
	seen := make(map[manifest.Key]int, len(s.Entries))
	for i := range s.Entries {
		k := s.Entries[i].key()
		j, dup := seen[k]
		if !dup {
			seen[k] = i
			continue
		}
		o, first := s.Entries[i].object(), s.Entries[j].object()
		l = append(l, diag.Diagnostic{
			Severity: diag.Error, Pos: o.Origin.Where(), Object: o.ID(), Identity: o.Identity(),
			Message: fmt.Sprintf("defined more than once in %s: also in %s", s.Name, s.Entries[j].File),
			Related: []diag.Pos{first.Origin.Where()},
		})
	}
	return l
}

// relabel rewrites the file names in diagnostics that are under dir (a
// resolved or temporary directory, or a file) to how the user named it:
// prefix followed by the rest of the name, or name for dir itself.
func relabel(l diag.List, dir, prefix, name string) diag.List {
	for i := range l {
		l[i].Pos = relabelPos(l[i].Pos, dir, prefix, name)
		for j := range l[i].Related {
			l[i].Related[j] = relabelPos(l[i].Related[j], dir, prefix, name)
		}
		for _, s := range []*string{&l[i].Message, &l[i].Detail, &l[i].Hint} {
			*s = strings.ReplaceAll(*s, dir+string(filepath.Separator), prefix)
		}
	}
	return l
}

func relabelPos(p diag.Pos, dir, prefix, name string) diag.Pos {
	if p.File == dir {
		p.File = name
	} else if rest, ok := strings.CutPrefix(p.File, dir+string(filepath.Separator)); ok {
		p.File = prefix + filepath.ToSlash(rest)
	}
	return p
}
