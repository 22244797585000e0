package schema

import (
	"fmt"
	"slices"
	"strconv"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// NormalizeOptions tune Normalize.
type NormalizeOptions struct {
	Namespace string // for namespaced objects without one; "" means manifest.DefaultNamespace
}

// Normalize completes objects with what their schema implies, before
// validation and output:
//   - namespaced objects without a namespace get the build's namespace
//     (cluster-scoped objects with one are reported by Validate);
//   - lists written as attrsets keyed by their merge key
//     (containers.web = {...}) become lists, sorted by key, with the key set
//     in each element.
//
// Objects of unknown kinds are left alone. The problems found are returned
// for each object apart.
func (s *Set) Normalize(objs []*manifest.Object, opts NormalizeOptions) []diag.List {
	s.DefaultNamespaces(objs, opts.Namespace)
	l := make([]diag.List, len(objs))
	for i, o := range objs {
		t, ok := s.Lookup(o.APIVersion, o.Kind)
		if !ok {
			continue
		}
		c, err := t.schema()
		if err != nil || c == nil {
			continue
		}
		k := keyer{obj: o, set: s, typ: t}
		o.Body = k.walk(o.Body, c.structural, "", nil).(map[string]any)
		l[i] = k.diags
	}
	return l
}

// DefaultNamespaces gives each namespaced object without a namespace the
// one it was rendered for (a chart's release namespace), else ns ("" means
// manifest.DefaultNamespace), as kubectl apply would. Objects of unknown
// kinds are left alone.
func (s *Set) DefaultNamespaces(objs []*manifest.Object, ns string) {
	if ns == "" {
		ns = manifest.DefaultNamespace
	}
	for _, o := range objs {
		if o.Namespace != "" {
			continue
		}
		if t, ok := s.Lookup(o.APIVersion, o.Kind); ok && t.Namespaced {
			if o.Origin.Namespace != "" {
				o.SetNamespace(o.Origin.Namespace)
			} else {
				o.SetNamespace(ns)
			}
		}
	}
}

type keyer struct {
	obj   *manifest.Object
	set   *Set
	typ   *Type
	diags diag.List
}

func (k *keyer) fail(segs []any, format string, args ...any) {
	k.diags = append(k.diags, diag.Diagnostic{
		Severity: diag.Error, Pos: k.obj.Origin.Where(), Path: k.obj.TreePath(), Object: k.obj.ID(), Identity: k.obj.Identity(),
		Field: manifest.FieldPath(segs), Reason: "FieldValueTypeInvalid", Message: fmt.Sprintf(format, args...),
	})
}

func (k *keyer) keyFor(schemaPath string, s *structuralschema.Structural) string {
	if k.typ.definition != "" {
		if key := k.set.mergeKeyAt(k.typ.definition, schemaPath); key != "" {
			return key
		}
	}
	if len(s.XListMapKeys) == 1 {
		return s.XListMapKeys[0]
	}
	return ""
}

func (k *keyer) walk(x any, s *structuralschema.Structural, schemaPath string, segs []any) any {
	if s == nil {
		return x
	}
	switch v := x.(type) {
	case map[string]any:
		if s.Type == "array" {
			return k.expand(v, s, schemaPath, segs)
		}
		for name, e := range v {
			child := append(append([]any(nil), segs...), name)
			if p, ok := s.Properties[name]; ok {
				v[name] = k.walk(e, &p, joinPath(schemaPath, name), child)
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
				v[name] = k.walk(e, s.AdditionalProperties.Structural, schemaPath+"{}", child)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = k.walk(e, s.Items, schemaPath+"[]", append(append([]any(nil), segs...), i))
		}
	}
	return x
}

// expand turns { web = {...}; api = {...}; } into a list keyed by the
// list's merge key.
func (k *keyer) expand(m map[string]any, s *structuralschema.Structural, schemaPath string, segs []any) any {
	key := k.keyFor(schemaPath, s)
	if key == "" {
		k.fail(segs, "this list has no merge key, so it cannot be written as an attrset; write a list")
		return m
	}
	var keyType string
	if s.Items != nil {
		if p, ok := s.Items.Properties[key]; ok {
			keyType = p.Type
		}
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]any, 0, len(names))
	for i, name := range names {
		item, ok := m[name].(map[string]any)
		if !ok {
			k.fail(append(append([]any(nil), segs...), name), "an element of a keyed list must be an attrset")
			continue
		}
		cp := make(map[string]any, len(item)+1)
		for f, v := range item {
			cp[f] = v
		}
		var keyValue any = name
		if keyType == "integer" {
			n, err := strconv.ParseInt(name, 10, 64)
			if err != nil {
				k.fail(append(append([]any(nil), segs...), name), "this list is keyed by %s, an integer; %q is not one", key, name)
				continue
			}
			keyValue = n
		}
		if existing, ok := cp[key]; ok && fmt.Sprint(existing) != fmt.Sprint(keyValue) {
			k.fail(append(append([]any(nil), segs...), name, key), "%s is %v but the attribute name says %q; they must agree (or leave %s out)", key, existing, name, key)
		}
		cp[key] = keyValue
		out = append(out, k.walk(cp, s.Items, schemaPath+"[]", append(append([]any(nil), segs...), i)))
	}
	if k.obj.Keyed == nil {
		k.obj.Keyed = map[string][]string{}
	}
	k.obj.Keyed[manifest.FieldPath(segs)] = names
	return out
}
