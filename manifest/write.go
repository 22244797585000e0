package manifest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/parallel"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/nixstore"
)

// File is one entry of a result directory.
type File struct {
	Name   string  // slash-separated path inside the result, e.g. 0010-namespace-web.yaml
	Data   []byte  // contents
	Object *Object // the object it holds, or nil for other files
}

// CRDDir is the subdirectory of a result that holds its
// CustomResourceDefinitions once more, so they can be applied (and waited
// for) before the custom resources that need them: kubectl resolves every
// kind of an apply before it sends anything, so a CRD and its resources
// cannot go in one invocation. kubectl does not descend into it without -R.
const CRDDir = "crds"

// NeedOwnCRDs returns the objects of objs that are custom resources of a
// CRD in objs: a build with any cannot be applied by one kubectl apply.
func NeedOwnCRDs(objs []*Object) []*Object {
	type gk struct{ group, kind string }
	defined := map[gk]bool{}
	for _, o := range objs {
		if group, kind, ok := o.DefinedKind(); ok {
			defined[gk{group, kind}] = true
		}
	}
	if len(defined) == 0 {
		return nil
	}
	var out []*Object
	for _, o := range objs {
		if defined[gk{o.Group(), o.Kind}] {
			out = append(out, o)
		}
	}
	return out
}

// Render encodes ordered objects as files named for install order, and the
// CRDs among them once more under crds/. Encoding runs on all cores; the
// result does not depend on scheduling.
func Render(objs []*Object) ([]File, error) {
	names := FileNames(objs)
	files := make([]File, len(objs))
	errs := make([]error, len(objs))
	parallel.All(len(objs), 64, func(i int) {
		data, err := objs[i].Raw, error(nil)
		if data == nil {
			data, err = EncodeYAML(objs[i].Body)
		}
		files[i] = File{Name: names[i], Data: data, Object: objs[i]}
		errs[i] = err
	})
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", objs[i].ID(), err)
		}
	}
	for _, f := range files[:len(objs)] {
		if f.Object.IsCRD() {
			files = append(files, File{Name: CRDDir + "/" + f.Name, Data: f.Data, Object: f.Object})
		}
	}
	return files, nil
}

// objectsDir holds the content-addressed files inside a store result. Its
// files have no extension, so even `kubectl apply -R` does not read them twice.
const objectsDir = ".objects"

// StoreTree lays out files as a linkFarm-style tree: every .yaml/.yml/.json
// entry is a relative symlink to an immutable file named by the hash of its
// content in .objects/; other files are stored as they are.
func StoreTree(files []File) *nixstore.Node {
	root := nixstore.Dir()
	objects := nixstore.Dir()
	root.Entries[objectsDir] = objects
	for _, f := range files {
		dir, base := root, f.Name
		parts := strings.Split(f.Name, "/")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := dir.Entries[p]
			if !ok {
				sub = nixstore.Dir()
				dir.Entries[p] = sub
			}
			dir = sub
			base = parts[len(parts)-1]
		}
		if !isManifestName(base) {
			dir.Entries[base] = nixstore.File(f.Data)
			continue
		}
		sum := sha256.Sum256(f.Data)
		h := nixstore.Base32(sum[:20])
		objects.Entries[h] = nixstore.File(f.Data)
		dir.Entries[base] = nixstore.Link(strings.Repeat("../", len(parts)-1) + objectsDir + "/" + h)
	}
	return root
}

// isManifestName reports whether kubectl would read a file of this name.
func isManifestName(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// Store is where store results go: the Nix store (nixstore.Store).
type Store interface {
	Add(ctx context.Context, name string, n *nixstore.Node, references []string) (string, error)
	AddRoot(ctx context.Context, path, link string) error
}

// WriteStore adds the result tree to the store under name and points link at
// it as a GC root. references are store paths the result needs kept (the
// archives of Nix-built images). The previous link stays as it was until the
// new store path is complete; the link itself is replaced atomically.
func WriteStore(ctx context.Context, st Store, name string, files []File, references []string, link string) (string, error) {
	if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return "", &diag.UsageError{
			Err:  fmt.Errorf("%s exists and is not a symlink; kubenix will not replace it", link),
			Hint: "remove it, or choose another --out-link",
		}
	}
	p, err := st.Add(ctx, name, StoreTree(files), references)
	if err != nil {
		return "", err
	}
	if link == "" {
		return p, nil
	}
	unlock, err := lockTarget(ctx, link)
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := st.AddRoot(ctx, p, link); err != nil {
		return "", err
	}
	return p, nil
}

// dirMarker records which files kubenix wrote into an --out-dir; a directory
// holding anything else is not replaced.
const dirMarker = ".kubenix-result"

// WriteDir writes files as plain files into dir, replacing what a previous
// build wrote there (stale files included) in one atomic step: the new tree
// is written next to dir and exchanged with it by rename. An interrupted or
// failed write leaves dir as it was.
func WriteDir(ctx context.Context, dir string, files []File) error {
	dir = filepath.Clean(dir)
	if err := checkOwnDir(dir); err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	unlock, err := lockTarget(ctx, dir)
	if err != nil {
		return err
	}
	defer unlock()
	// Again, now that no other build can be writing dir.
	if err := checkOwnDir(dir); err != nil {
		return err
	}
	removeStaleTemps(parent, filepath.Base(dir))
	tmp, err := os.MkdirTemp(parent, tempPrefix(dir))
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	var list strings.Builder
	list.WriteString("# Written by kubenix build --out-dir; kubenix replaces this directory on every build.\n")
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(tmp, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
		list.WriteString(f.Name + "\n")
	}
	if err := os.WriteFile(filepath.Join(tmp, dirMarker), []byte(list.String()), 0o644); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, dir); err != nil {
			return err
		}
		done = true
		return nil
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE); err != nil {
		return fmt.Errorf("replace %s: %w", dir, err)
	}
	// tmp now holds the previous contents.
	return os.RemoveAll(tmp)
}

func tempPrefix(dir string) string { return "." + filepath.Base(dir) + ".kubenix-tmp-" }

// removeStaleTemps deletes what a killed run left next to an --out-dir. It
// is called with the target locked (lockTarget): no live build owns them.
func removeStaleTemps(parent, base string) {
	ents, _ := os.ReadDir(parent)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "."+base+".kubenix-tmp-") {
			os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}

// checkOwnDir refuses to replace a directory holding files kubenix did not
// write there.
func checkOwnDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &diag.UsageError{Err: fmt.Errorf("--out-dir %s exists and is not a directory", dir)}
	}
	own := map[string]bool{dirMarker: true}
	if b, err := userfile.Read(filepath.Join(dir, dirMarker), userfile.SmallLimit); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				own[l] = true
				for d := path.Dir(l); d != "."; d = path.Dir(d) {
					own[d] = true
				}
			}
		}
	}
	var foreign []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if !own[filepath.ToSlash(rel)] {
			foreign = append(foreign, filepath.ToSlash(rel))
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		if len(foreign) > 5 {
			foreign = append(foreign[:5], "...")
		}
		return &diag.UsageError{
			Err:  fmt.Errorf("--out-dir %s holds files kubenix did not write: %s", dir, strings.Join(foreign, ", ")),
			Hint: "kubenix replaces the whole directory on every build; move those files or choose another directory",
		}
	}
	return nil
}
