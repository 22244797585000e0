package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kubenix/kubenix/diag"
)

// Object is one Kubernetes object on its way to the output.
type Object struct {
	APIVersion string
	Kind       string
	Namespace  string // "" for cluster-scoped objects (and before defaulting)
	Name       string
	Body       map[string]any // the whole object, as JSON-like data
	Origin     Origin
	// Keyed records lists the user wrote as attrsets keyed by their merge
	// key (containers.web = {...}): for each list's field path
	// (spec.template.spec.containers), the attribute names in list order,
	// so positions can be found where the user wrote them.
	Keyed map[string][]string
	// Problems found while reading the object (a key written twice in a
	// YAML mapping); they are reported with its diagnostics.
	Problems diag.List
	// Raw, when set, is written for the object instead of its body
	// rendered: the original bytes of a SOPS-encrypted Secret, whose MAC
	// covers its values as they are written.
	Raw []byte
}

// DefaultNamespace is the namespace of namespaced objects that name none,
// when the build gives no other (--namespace): kubectl's and Helm's.
const DefaultNamespace = "default"

// OriginKey is the attribute kubenix.helm.chart adds to each rendered
// object, naming its chart and template (and the release namespace);
// extraction moves it into Origin.
const OriginKey = "__kubenixOrigin"

// Origin says where an object came from.
type Origin struct {
	Path Path     // where in the evaluated tree, e.g. .web.deploy or .[3]
	Pos  diag.Pos // where it was written: its kind attribute, or a manifest file
	Site diag.Pos // the nearest enclosing attribute (the call site of a helper)
	// Fields holds the position of every field of an object read from a
	// YAML or JSON manifest, by field path (spec.replicas,
	// spec.containers[0].image). Objects from Nix find theirs on demand.
	Fields map[string]diag.Pos
	// FromNix is set for objects of an evaluated .nix file.
	FromNix bool
	// Chart and Template name the Helm chart and template (chart-relative)
	// an object was rendered from.
	Chart, Template string
	// Call is where the Nix code called kubenix.helm.chart for it:
	// diagnostics name it next to the template.
	Call diag.Pos
	// Namespace is the namespace the object belongs in when it has none
	// (a chart's release namespace); "" means the build's.
	Namespace string
}

// Also returns the positions a diagnostic of the object names besides
// Where: the kubenix.helm.chart call of a rendered object.
func (o Origin) Also() []diag.Pos {
	if o.Chart != "" && !o.Call.IsZero() && o.Call != o.Pos {
		return []diag.Pos{o.Call}
	}
	return nil
}

// Where returns the most useful source position of the object.
func (o Origin) Where() diag.Pos {
	if !o.Pos.IsZero() {
		return o.Pos
	}
	return o.Site
}

// Group returns the API group of the object ("" for the core group).
func (o *Object) Group() string {
	if i := strings.IndexByte(o.APIVersion, '/'); i >= 0 {
		return o.APIVersion[:i]
	}
	return ""
}

// Version returns the API version without the group.
func (o *Object) Version() string {
	return o.APIVersion[strings.IndexByte(o.APIVersion, '/')+1:]
}

// Key identifies an object in a cluster: two objects with the same key are
// the same object.
type Key struct {
	Group, Kind, Namespace, Name string
}

// Key returns the object's identity.
func (o *Object) Key() Key {
	return Key{Group: o.Group(), Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// ID is how messages name the object: Kind/namespace/name, or Kind/name for
// cluster-scoped objects.
func (o *Object) ID() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// Identity returns the object's identity for diagnostics.
func (o *Object) Identity() *diag.Identity {
	return &diag.Identity{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// TreePath is how diagnostics show where an object is in the evaluated
// tree; empty for objects read from manifest files.
func (o *Object) TreePath() string {
	if !o.Origin.FromNix {
		return ""
	}
	return o.Origin.Path.String()
}

// SetNamespace changes the namespace in both the identity and the body.
func (o *Object) SetNamespace(ns string) {
	o.Namespace = ns
	meta, _ := o.Body["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		o.Body["metadata"] = meta
	}
	if ns == "" {
		delete(meta, "namespace")
	} else {
		meta["namespace"] = ns
	}
}

// Path is a position in an evaluated tree: attribute names and list indices.
type Path []any

// String renders the path the way messages show it: .web.deploy, .[3],
// .apps."my.app"[0].
func (p Path) String() string {
	if len(p) == 0 {
		return "."
	}
	var b strings.Builder
	for _, s := range p {
		switch v := s.(type) {
		case int:
			if b.Len() == 0 {
				b.WriteByte('.')
			}
			b.WriteString("[" + strconv.Itoa(v) + "]")
		case string:
			b.WriteByte('.')
			if isIdent(v) {
				b.WriteString(v)
			} else {
				b.WriteString(strconv.Quote(v))
			}
		default:
			fmt.Fprintf(&b, ".%v", v)
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '\'')) {
			return false
		}
	}
	return true
}

// Append returns a new path with more segments.
func (p Path) Append(segs ...any) Path {
	out := make(Path, len(p), len(p)+len(segs))
	copy(out, p)
	return append(out, segs...)
}

// IsCRD reports whether o is a CustomResourceDefinition.
func (o *Object) IsCRD() bool {
	return o.Kind == "CustomResourceDefinition" && o.Group() == "apiextensions.k8s.io"
}

// DefinedKind returns the API group and kind a CustomResourceDefinition
// defines; ok is false for any other object.
func (o *Object) DefinedKind() (group, kind string, ok bool) {
	if !o.IsCRD() {
		return "", "", false
	}
	spec, _ := o.Body["spec"].(map[string]any)
	names, _ := spec["names"].(map[string]any)
	group, _ = spec["group"].(string)
	kind, _ = names["kind"].(string)
	return group, kind, true
}

// CRDAPIVersions lists the group/version and group/version/Kind of every
// CustomResourceDefinition among objs, as Helm's .Capabilities.APIVersions
// spells them, sorted.
func CRDAPIVersions(objs []*Object) []string {
	var out []string
	for _, o := range objs {
		group, kind, ok := o.DefinedKind()
		if !ok {
			continue
		}
		spec, _ := o.Body["spec"].(map[string]any)
		versions, _ := spec["versions"].([]any)
		for _, v := range versions {
			vm, _ := v.(map[string]any)
			name, _ := vm["name"].(string)
			if group == "" || name == "" {
				continue
			}
			out = append(out, group+"/"+name)
			if kind != "" {
				out = append(out, group+"/"+name+"/"+kind)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ReadProblems are the problems found reading o (Problems), each naming o
// as it is now (after its namespace was defaulted).
func (o *Object) ReadProblems() diag.List {
	var l diag.List
	for _, p := range o.Problems {
		p.Object, p.Identity, p.Path = o.ID(), o.Identity(), o.TreePath()
		l = append(l, p)
	}
	return l
}
