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
	oldBy, err := byKey(old)
	if err != nil {
		return nil, err
	}
	newBy, err := byKey(new)
	if err != nil {
		return nil, err
	}
	var changes []Change
	for k, o := range oldBy {
		changes = append(changes, Change{Key: k, Old: o, New: newBy[k]})
	}
	for k, n := range newBy {
		if oldBy[k] == nil {
			changes = append(changes, Change{Key: k, New: n})
		}
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

func byKey(s *Side) (map[manifest.Key]*Entry, error) {
	out := make(map[manifest.Key]*Entry, len(s.Entries))
	for i := range s.Entries {
		e := &s.Entries[i]
		k := e.Object.Key()
		if first, ok := out[k]; ok {
			return nil, fmt.Errorf("%s: %s is defined twice, in %s and in %s", s.Name, e.Object.ID(), first.File, e.File)
		}
		out[k] = e
	}
	return out, nil
}

// object is the side of a change that decides its place in the output.
func (c *Change) object() *manifest.Object {
	if c.New != nil {
		return c.New.Object
	}
	return c.Old.Object
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
	groups := map[string]map[string]bool{}
	for i := range changes {
		id := changes[i].object().ID()
		if groups[id] == nil {
			groups[id] = map[string]bool{}
		}
		groups[id][changes[i].Key.Group] = true
	}
	for i := range changes {
		c := &changes[i]
		o := c.object()
		c.ID = o.ID()
		if len(groups[c.ID]) > 1 && c.Key.Group != "" {
			kind := o.Kind + "." + c.Key.Group
			c.ID = kind + strings.TrimPrefix(c.ID, o.Kind)
		}
	}
}

func compareOne(c *Change, opts Options) error {
	var oldBody, newBody map[string]any
	if c.Old != nil {
		oldBody = c.Old.Object.Body
	}
	if c.New != nil {
		newBody = c.New.Object.Body
	}
	switch {
	case isSOPSObject(c.Old) || isSOPSObject(c.New):
		var compared bool
		oldBody, newBody, compared = compareSOPS(c, opts.Decrypt)
		c.ValuesNotCompared = !compared
	case !opts.ShowSecrets:
		oldBody, newBody = maskSecrets(oldBody, newBody)
	}
	oldText, err := encode(oldBody)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Old.Object.ID(), err)
	}
	newText, err := encode(newBody)
	if err != nil {
		return fmt.Errorf("%s: %w", c.New.Object.ID(), err)
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

func encode(body map[string]any) (string, error) {
	if body == nil {
		return "", nil
	}
	b, err := manifest.EncodeYAML(body)
	return string(b), err
}
