package objdiff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/manifest"
)

// Status says what a change does to an object in the cluster.
type Status string

// Statuses.
const (
	Added     Status = "added"
	Removed   Status = "removed"
	Changed   Status = "changed"
	Unchanged Status = "unchanged"
)

// DefaultContext is how many unchanged lines surround each change, as in diff -u.
const DefaultContext = 3

// Options tune a comparison.
type Options struct {
	Context     int  // unchanged lines around each change
	ShowSecrets bool // show the values of Secrets' data and stringData (never those of SOPS Secrets)
	// Decrypt decrypts a SOPS-encrypted object in memory (secrets.Decrypt),
	// so that SOPS Secrets are compared by value; nil compares them by key
	// names only.
	Decrypt func([]byte) (map[string]any, error)
}

// Change is what happens to one object.
type Change struct {
	Status Status
	Key    manifest.Key
	ID     string // how output names the object: Kind/namespace/name
	Old    *Entry // nil when added
	New    *Entry // nil when removed
	// Diff is the unified diff of the object's canonical YAML (against
	// nothing for an added or removed object); "" when unchanged.
	Diff                  string
	Insertions, Deletions int // lines
	// ValuesNotCompared: a SOPS Secret on both sides whose values could
	// not be decrypted, so only its key names were compared.
	ValuesNotCompared bool
}

// Summary counts the changes by status.
type Summary struct {
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

func (s Summary) String() string {
	return fmt.Sprintf("%d added, %d removed, %d changed, %d unchanged", s.Added, s.Removed, s.Changed, s.Unchanged)
}

// Result is the comparison of two sides.
type Result struct {
	Old, New string   // the names of the sides
	Changes  []Change // every object of both sides, in install order
}

// Summary counts the changes.
func (r *Result) Summary() Summary {
	var s Summary
	for _, c := range r.Changes {
		switch c.Status {
		case Added:
			s.Added++
		case Removed:
			s.Removed++
		case Changed:
			s.Changed++
		default:
			s.Unchanged++
		}
	}
	return s
}

// ValuesNotCompared lists the IDs of the SOPS Secrets whose values were
// not compared, for want of a key.
func (r *Result) ValuesNotCompared() []string {
	var out []string
	for _, c := range r.Changes {
		if c.ValuesNotCompared {
			out = append(out, c.ID)
		}
	}
	return out
}

// Differ reports whether applying the new side would change anything.
func (r *Result) Differ() bool {
	for _, c := range r.Changes {
		if c.Status != Unchanged {
			return true
		}
	}
	return false
}

// Compare matches the objects of two sides by identity (API group, kind,
// namespace and name: not the version, not the file) and compares the
// canonical YAML of each pair, so key order and formatting never show as
// changes, and neither does a file renamed or an object moved to another
// file.
func Compare(old, new *Side, opts Options) (*Result, error) {
	changes, err := pairs(old, new)
	if err != nil {
		return nil, err
	}
	sortInstallOrder(changes)
	names(changes)
	for i := range changes {
		if err := compareOne(&changes[i], opts); err != nil {
			return nil, err
		}
	}
	return &Result{Old: old.Name, New: new.Name, Changes: changes}, nil
}

// pairs matches the objects of the two sides by key: a change for each
// object of either, with its old and new entries. An object defined twice
// on one side is an error.
func pairs(old, new *Side) ([]Change, error) {
	at := make(map[manifest.Key]int, max(len(old.Entries), len(new.Entries)))
	changes := make([]Change, 0, len(old.Entries)+len(new.Entries))
	twice := func(s *Side, e, first *Entry) error {
		return fmt.Errorf("%s: %s is defined twice, in %s and in %s", s.Name, e.object().ID(), first.File, e.File)
	}
	for i := range old.Entries {
		e := &old.Entries[i]
		k := e.key()
		if j, ok := at[k]; ok {
			return nil, twice(old, e, changes[j].Old)
		}
		at[k] = len(changes)
		changes = append(changes, Change{Key: k, Old: e})
	}
	for i := range new.Entries {
		e := &new.Entries[i]
		k := e.key()
		j, ok := at[k]
		switch {
		case !ok:
			at[k] = len(changes)
			changes = append(changes, Change{Key: k, New: e})
		case changes[j].New != nil:
			return nil, twice(new, e, changes[j].New)
		default:
			changes[j].New = e
		}
	}
	return changes, nil
}

// object is the side of a change that decides its place in the output.
func (c *Change) object() *manifest.Object {
	if c.New != nil {
		return c.New.object()
	}
	return c.Old.object()
}

// sortInstallOrder orders changes as the new objects install (removed ones
// where they were), as manifest.Order does.
func sortInstallOrder(changes []Change) {
	slices.SortFunc(changes, func(a, b Change) int { return manifest.InstallOrder(a.Key, b.Key) })
}

// names gives each change its ID: Kind/namespace/name, with the API group
// added (Kind.group/...) where two objects of different groups would
// otherwise share one.
func names(changes []Change) {
	// The group of the first object with each ID, and the IDs that more
	// than one group shares.
	first := make(map[string]string, len(changes))
	shared := map[string]bool{}
	for i := range changes {
		c := &changes[i]
		c.ID = c.object().ID()
		if g, ok := first[c.ID]; !ok {
			first[c.ID] = c.Key.Group
		} else if g != c.Key.Group {
			shared[c.ID] = true
		}
	}
	for i := range changes {
		if c := &changes[i]; shared[c.ID] && c.Key.Group != "" {
			kind := c.Key.Kind + "." + c.Key.Group
			c.ID = kind + strings.TrimPrefix(c.ID, c.Key.Kind)
		}
	}
}

func compareOne(c *Change, opts Options) error {
	if c.Old != nil && c.New != nil && c.Old.sealed != nil && c.New.sealed != nil && c.Old.sealed.sum == c.New.sealed.sum {
		c.Status = Unchanged // the same canonical YAML
		return nil
	}
	old, new := c.Old, c.New
	if isSOPSObject(old) || isSOPSObject(new) {
		// compared by their bodies: the other side's too
		var err error
		if old, err = old.withBody(); err != nil {
			return err
		}
		if new, err = new.withBody(); err != nil {
			return err
		}
		c.Old, c.New = old, new
	}
	var oldBody, newBody map[string]any // nil for sealed entries, which are not Secrets
	if old != nil && old.Object != nil {
		oldBody = old.Object.Body
	}
	if new != nil && new.Object != nil {
		newBody = new.Object.Body
	}
	switch {
	case isSOPSObject(old) || isSOPSObject(new):
		var compared bool
		oldBody, newBody, compared = compareSOPS(c, opts.Decrypt)
		c.ValuesNotCompared = !compared
	case !opts.ShowSecrets:
		oldBody, newBody = maskSecrets(oldBody, newBody)
	}
	oldText, err := old.yaml(oldBody)
	if err != nil {
		return err
	}
	newText, err := new.yaml(newBody)
	if err != nil {
		return err
	}
	switch {
	case c.Old == nil:
		c.Status = Added
	case c.New == nil:
		c.Status = Removed
	case oldText == newText:
		c.Status = Unchanged
		return nil
	default:
		c.Status = Changed
	}
	oldName, newName := "/dev/null", "/dev/null"
	if c.Old != nil {
		oldName = "old/" + c.Old.File
	}
	if c.New != nil {
		newName = "new/" + c.New.File
	}
	ops := lineDiff(splitLines(oldText), splitLines(newText))
	for _, o := range ops {
		switch o.kind {
		case '+':
			c.Insertions++
		case '-':
			c.Deletions++
		}
	}
	c.Diff = unified(ops, oldName, newName, max(opts.Context, 0))
	return nil
}
