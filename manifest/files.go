package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/userfile"
)

// Files lists the .yaml, .yml and .json files of a path: the file itself,
// or every such file below a directory (a symlink to one is followed), in a
// stable order. Hidden directories are skipped, and so is the crds/
// directory of a kubenix result, which repeats its CRDs.
func Files(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		if err := userfile.Check(path, userfile.ManifestLimit); err != nil {
			return nil, err
		}
		return []string{path}, nil
	}
	root, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root {
			if strings.HasPrefix(d.Name(), ".") || d.Name() == CRDDir && isResult(filepath.Dir(p)) {
				return filepath.SkipDir
			}
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				f := filepath.Join(path, rel)
				if err := userfile.Check(f, userfile.ManifestLimit); err != nil {
					return err
				}
				out = append(out, f)
			}
		}
		return nil
	})
	return out, err
}

// isResult reports whether dir was written by kubenix build: a store result
// (.objects/) or an --out-dir (.kubenix-result).
func isResult(dir string) bool {
	for _, marker := range []string{".objects", ".kubenix-result"} {
		if _, err := os.Lstat(filepath.Join(dir, marker)); err == nil {
			return true
		}
	}
	return false
}

// ReadCRDs reads the CustomResourceDefinitions of files and directories of
// manifests (--crd), with the problems of reading them. A path that cannot
// be read is a usage error.
func ReadCRDs(paths []string) ([]*Object, diag.List, error) {
	var crds []*Object
	var l diag.List
	for _, p := range paths {
		files, err := Files(p)
		if err != nil {
			return nil, nil, &diag.UsageError{Err: fmt.Errorf("--crd %s: %w", p, err)}
		}
		found, objects, problems := 0, 0, len(l)
		for _, f := range files {
			objs, d := ReadFile(f)
			l = append(l, d...)
			objects += len(objs)
			for _, o := range objs {
				if o.IsCRD() {
					crds = append(crds, o)
					found++
				}
			}
		}
		if found == 0 && len(l) == problems { // a path that gives nothing is a mistake, not a no-op
			return nil, nil, &diag.UsageError{Err: fmt.Errorf("--crd %s: no CustomResourceDefinition in it (%d other objects in %d files)", p, objects, len(files)),
				Hint: "give --crd the CRD manifests of the custom resources you use; other manifests go on the command line"}
		}
	}
	return crds, l, nil
}
