package objdiff

import (
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// Entry is one object of a side and the file that holds it, or that a
// build would write it to.
type Entry struct {
	Object *manifest.Object // nil when sealed: see object
	File   string           // slash-separated, relative to the side's directory
	// sealed, when set, keeps what a comparison needs of an object read
	// from a file, its canonical YAML compressed (see seal).
	sealed *sealed
}

// key is the identity of e's object.
func (e *Entry) key() manifest.Key {
	if e.sealed != nil {
		return e.sealed.key()
	}
	return e.Object.Key()
}

// object is e's object; without its body when e is sealed.
func (e *Entry) object() *manifest.Object {
	if e.sealed != nil {
		return e.sealed.object()
	}
	return e.Object
}

// Side is one side of a comparison.
type Side struct {
	Name     string // as the command line named it
	Entries  []Entry
	Warnings diag.List // from building a .nix side
}

// ObjectsSide is a side of objects in install order, each in the file a
// build would write it to.
func ObjectsSide(name string, objs []*manifest.Object) *Side {
	s := &Side{Name: name}
	for i, f := range manifest.FileNames(objs) {
		s.Entries = append(s.Entries, Entry{Object: objs[i], File: f})
	}
	return s
}

// FilesSide is the side of a rendered result (pipeline.Built.Files).
func FilesSide(name string, files []manifest.File) *Side {
	s := &Side{Name: name}
	for _, f := range files {
		// Only what kubectl reads: not the copies in crds/.
		if f.Object != nil && !strings.Contains(f.Name, "/") {
			s.Entries = append(s.Entries, Entry{Object: f.Object, File: f.Name})
		}
	}
	return s
}
