package manifest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
)

// Sites maps a tree path (Path.String()) to where the attrset at that path
// was written, as the evaluator reports it.
type Sites map[string]Origin

// Extract finds the objects in an evaluated tree: every attrset with
// apiVersion and kind, with `kind: List` unwrapped. Anything else that is not
// an attrset or list of objects (or null, but for the whole value) is an
// error naming its tree path.
//
// The top-level attribute `resources` holds the keyed-resources form
// (resources.<plural>.<name> = {...}); its entries are returned as Keyed
// for ResolveKeyed, once the build's types are known.
func Extract(tree any, sites Sites) ([]*Object, []*Keyed, diag.List) {
	x := extractor{sites: sites}
	if top, ok := tree.(map[string]any); ok && top["resources"] != nil && top["apiVersion"] == nil && top["kind"] == nil {
		rest := make(map[string]any, len(top))
		for k, v := range top {
			if k != "resources" {
				rest[k] = v
			}
		}
		x.keyedForm(top["resources"])
		tree = rest
	}
	if tree == nil {
		// null is "nothing here" inside the tree; as the whole value it is
		// a file that forgot its objects (a missing `in`, a wrong branch).
		x.fail(x.origin(nil, diag.Pos{}), "", "", "expected a Kubernetes object (an attrset with apiVersion and kind), or an attrset or list of them; found null as the whole value")
	}
	x.walk(nil, tree, diag.Pos{})
	for _, o := range x.objs {
		o.Origin.FromNix = true
	}
	for _, k := range x.keyed {
		k.Origin.FromNix = true
	}
	return x.objs, x.keyed, x.diags
}

type extractor struct {
	sites Sites
	objs  []*Object
	keyed []*Keyed
	diags diag.List
}

// Keyed is one entry of the keyed-resources form, before its type is known.
type Keyed struct {
	Plural, Name string
	Body         map[string]any
	Origin       Origin
}

func (x *extractor) keyedForm(v any) {
	p := Path{"resources"}
	byPlural, ok := v.(map[string]any)
	if !ok {
		x.fail(x.origin(p, diag.Pos{}), "", "", "resources (the keyed-resources form) must be an attrset of plurals, found %s", describe(v))
		return
	}
	for _, plural := range sortedKeys(byPlural) {
		pp := p.Append(plural)
		byName, ok := byPlural[plural].(map[string]any)
		if !ok {
			if byPlural[plural] != nil {
				x.fail(x.origin(pp, diag.Pos{}), "", "", "resources.%s must be an attrset of objects by name, found %s", plural, describe(byPlural[plural]))
			}
			continue
		}
		for _, name := range sortedKeys(byName) {
			np := pp.Append(name)
			switch body := byName[name].(type) {
			case nil:
			case map[string]any:
				x.keyed = append(x.keyed, &Keyed{Plural: plural, Name: name, Body: body, Origin: x.origin(np, diag.Pos{})})
			default:
				x.fail(x.origin(np, diag.Pos{}), "", "", "resources.%s.%s must be an object's attrset, found %s", plural, name, describe(body))
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ResolveKeyed turns keyed-resources entries into objects: resolve gives
// the apiVersion and kind of a plural (the preferred version), the
// attribute name is the default metadata.name. Values the user wrote win.
func ResolveKeyed(keyed []*Keyed, resolve func(plural string) (apiVersion, kind string, err error)) ([]*Object, diag.List) {
	var objs []*Object
	var l diag.List
	for _, k := range keyed {
		body := make(map[string]any, len(k.Body)+3)
		for f, v := range k.Body {
			body[f] = v
		}
		if body["apiVersion"] == nil || body["kind"] == nil {
			av, kind, err := resolve(k.Plural)
			if err != nil {
				l = append(l, diag.Diagnostic{Severity: diag.Error, Pos: k.Origin.Where(), Path: k.Origin.Path.String(), Message: err.Error(),
					Hint: "the keyed-resources form is resources.<plural>.<name>, e.g. resources.deployments.web"})
				continue
			}
			if body["apiVersion"] == nil {
				body["apiVersion"] = av
			}
			if body["kind"] == nil {
				body["kind"] = kind
			}
		}
		meta, _ := body["metadata"].(map[string]any)
		m := make(map[string]any, len(meta)+1)
		for f, v := range meta {
			m[f] = v
		}
		if m["name"] == nil {
			m["name"] = k.Name
		}
		body["metadata"] = m
		x := extractor{}
		x.object(k.Origin.Path, body, k.Origin.Site)
		for _, o := range x.objs {
			o.Origin = k.Origin
		}
		objs = append(objs, x.objs...)
		l = append(l, x.diags...)
	}
	return objs, l
}

func (x *extractor) origin(p Path, inherited diag.Pos) Origin {
	o, ok := x.sites[p.String()]
	if !ok {
		o = Origin{Site: inherited}
	}
	o.Path = p
	if o.Site.IsZero() {
		o.Site = inherited
	}
	return o
}

func (x *extractor) fail(o Origin, object, field, format string, args ...any) {
	x.diags = append(x.diags, diag.Diagnostic{
		Severity: diag.Error, Pos: o.Where(), Path: o.Path.String(), Related: o.Also(),
		Object: object, Field: field, Message: fmt.Sprintf(format, args...),
	})
}

func (x *extractor) walk(p Path, v any, site diag.Pos) {
	switch t := v.(type) {
	case nil:
		// null is "nothing here", e.g. `if enabled then {...} else null`.
	case map[string]any:
		_, hasAV := t["apiVersion"]
		_, hasKind := t["kind"]
		if hasAV || hasKind {
			x.object(p, t, site)
			return
		}
		if raw, ok := t[OriginKey]; ok {
			// A document a chart rendered (a values dump, say): one
			// error at its template, not one per value in it.
			o := x.origin(p, site)
			chartOrigin(t, raw, &o)
			x.diags = append(x.diags, diag.Diagnostic{
				Severity: diag.Error, Pos: documentStart(o, raw), Path: o.Path.String(), Related: o.Also(),
				Message: fmt.Sprintf("chart %s renders a document that is not a Kubernetes object: it has no apiVersion and no kind", o.Chart),
				Hint:    "render only Kubernetes objects from the chart's templates, or leave such documents out in Nix: builtins.filter (o: o ? kind) (kubenix.helm.chart { ... })",
			})
			return
		}
		if s, ok := x.sites[p.String()]; ok && !s.Site.IsZero() {
			site = s.Site
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			x.walk(p.Append(k), t[k], site)
		}
	case []any:
		for i, e := range t {
			x.walk(p.Append(i), e, site)
		}
	default:
		x.fail(x.origin(p, site), "", "", "expected a Kubernetes object (an attrset with apiVersion and kind), or an attrset or list of them; found %s", describe(v))
	}
}

func (x *extractor) object(p Path, m map[string]any, site diag.Pos) {
	var o Origin
	if x.sites != nil {
		o = x.origin(p, site)
	} else {
		o = Origin{Path: p, Site: site}
	}
	at := o // where a missing apiVersion or kind is reported
	raw, fromChart := m[OriginKey]
	if fromChart {
		m = chartOrigin(m, raw, &o)
		at = o
		at.Pos = documentStart(o, raw)
	}
	av, avOK := m["apiVersion"].(string)
	kind, kindOK := m["kind"].(string)
	switch {
	case m["apiVersion"] == nil:
		x.fail(at, "", "apiVersion", "object has kind %s but no apiVersion", short(m["kind"]))
		return
	case m["kind"] == nil:
		x.fail(at, "", "kind", "object has apiVersion %s but no kind", short(m["apiVersion"]))
		return
	case !avOK || av == "":
		x.fail(o, "", "apiVersion", "apiVersion must be a non-empty string, found %s", describe(m["apiVersion"]))
		return
	case !kindOK || kind == "":
		x.fail(o, "", "kind", "kind must be a non-empty string, found %s", describe(m["kind"]))
		return
	}
	if _, isList := m["items"].([]any); kind == "List" || strings.HasSuffix(kind, "List") && isList {
		items, ok := m["items"].([]any)
		if !ok {
			x.fail(o, kind, "items", "a %s needs a list of items, found %s", kind, describe(m["items"]))
			return
		}
		for i, e := range items {
			if item, ok := e.(map[string]any); ok && fromChart {
				// A chart's List: its items are the chart's objects, with
				// its origin (the release namespace, the template).
				if _, own := item[OriginKey]; !own {
					item = maps.Clone(item)
					item[OriginKey] = raw
					e = item
				}
			}
			x.walk(p.Append("items", i), e, site)
		}
		return
	}
	obj := &Object{APIVersion: av, Kind: kind, Body: m, Origin: o}
	meta, ok := m["metadata"].(map[string]any)
	if !ok {
		if m["metadata"] == nil {
			x.fail(o, kind+"/?", "metadata.name", "every object needs metadata.name")
		} else {
			x.fail(o, kind+"/?", "metadata", "metadata must be an attrset, found %s", describe(m["metadata"]))
		}
		return
	}
	switch name := meta["name"].(type) {
	case string:
		if name == "" {
			x.fail(o, kind+"/?", "metadata.name", "metadata.name is empty")
			return
		}
		obj.Name = name
	case nil:
		msg := "every object needs metadata.name"
		if meta["generateName"] != nil {
			msg += " (generateName cannot be applied with kubectl apply)"
		}
		x.fail(o, kind+"/?", "metadata.name", "%s", msg)
		return
	default:
		x.fail(o, kind+"/?", "metadata.name", "metadata.name must be a string, found %s", describe(name))
		return
	}
	switch ns := meta["namespace"].(type) {
	case string:
		obj.Namespace = ns
	case nil:
	default:
		x.fail(o, obj.ID(), "metadata.namespace", "metadata.namespace must be a string, found %s", describe(ns))
		return
	}
	x.objs = append(x.objs, obj)
}

// chartOrigin moves a rendered object's origin out of its body.
func chartOrigin(m map[string]any, raw any, o *Origin) map[string]any {
	body := make(map[string]any, len(m))
	for k, v := range m {
		if k != OriginKey {
			body[k] = v
		}
	}
	if co, ok := raw.(map[string]any); ok {
		o.Chart, _ = co["chart"].(string)
		o.Template, _ = co["template"].(string)
		o.Namespace, _ = co["namespace"].(string)
		if c, ok := co["call"].(map[string]any); ok {
			file, _ := c["file"].(string)
			line, _ := c["line"].(int64)
			col, _ := c["column"].(int64)
			o.Call = diag.Pos{File: file, Line: int(line), Col: int(col)}
		}
		if f, _ := co["file"].(string); f != "" {
			o.Pos = diag.Pos{File: f}
		} else if o.Template != "" {
			o.Pos = diag.Pos{File: o.Template}
		}
	}
	return body
}

// documentStart is where a rendered document starts: its template, at
// the line the render recorded (when it did). Diagnostics on its fields
// keep naming the template alone.
func documentStart(o Origin, raw any) diag.Pos {
	pos := o.Where()
	co, _ := raw.(map[string]any)
	if line, ok := co["line"].(int64); ok && pos.File != "" && pos.Line == 0 {
		pos.Line = int(line)
	}
	return pos
}

// short shows a value compactly: strings quoted, others described.
func short(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return describe(v)
}

// describe names a JSON value's type for messages, with a short preview.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		if len(t) > 40 {
			t = t[:37] + "..."
		}
		return fmt.Sprintf("a string (%q)", t)
	case bool:
		return fmt.Sprintf("a boolean (%v)", t)
	case int64, float64:
		return fmt.Sprintf("a number (%v)", t)
	case []any:
		return fmt.Sprintf("a list of %d elements", len(t))
	case map[string]any:
		return "an attrset"
	}
	return fmt.Sprintf("%T", v)
}

// CheckDuplicates reports objects that share group, kind, namespace and name:
// the cluster would see only one of them.
func CheckDuplicates(objs []*Object) diag.List {
	var l diag.List
	for _, d := range Duplicates(objs) {
		o, first := objs[d.Again], objs[d.First]
		msg := "defined more than once" // a document of a manifest: "see also" says where
		if len(first.Origin.Path) > 0 {
			msg = fmt.Sprintf("defined more than once: the same object is also defined at %s", first.Origin.Path)
		}
		l = append(l, diag.Diagnostic{
			Severity: diag.Error, Pos: o.Origin.Where(), Path: o.TreePath(), Object: o.ID(), Identity: o.Identity(),
			Message: msg,
			Related: []diag.Pos{first.Origin.Where()},
			Hint:    "give one of them another name or namespace, or remove one",
		})
	}
	return l
}

// Duplicate is an object (objs[Again]) with the key of an earlier one
// (objs[First]): the cluster would see only one of them.
type Duplicate struct{ First, Again int }

// Duplicates finds every object of objs with the key of an earlier one.
func Duplicates(objs []*Object) []Duplicate {
	seen := map[Key]int{}
	var out []Duplicate
	for i, o := range objs {
		k := o.Key()
		if first, ok := seen[k]; ok {
			out = append(out, Duplicate{First: first, Again: i})
			continue
		}
		seen[k] = i
	}
	return out
}
