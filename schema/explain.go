package schema

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
)

// docNode is a schema node as explain shows it, for built-in definitions
// and CRD schemas alike.
type docNode struct {
	typeName    string // DeploymentStrategy, string, []Container, map[string]string
	description string
	enum        []string
	required    map[string]bool
	fields      func() map[string]*docNode // nil for leaves
	elem        *docNode                   // the element of a list or map
}

// ExplainOptions tune Explain.
type ExplainOptions struct {
	APIVersion string // pick this group/version when a name has several
	Recursive  bool   // list every nested field, without descriptions
}

// Explain writes what kubectl explain writes, from the embedded schemas
// and the set's CRDs: what is a deployment.spec.strategy, what fields it has.
func (s *Set) Explain(w io.Writer, what string, opts ExplainOptions) error {
	parts := strings.Split(what, ".")
	res, fields := parts[0], parts[1:]
	// deployments.apps.spec: a group-qualified resource, as kubectl reads
	// it, before the plain one (deployments, then a field "apps").
	var candidates []*Type
	for i := len(fields); i >= 0; i-- {
		if c := s.Resolve(strings.Join(parts[:i+1], ".")); len(c) > 0 {
			candidates, fields = c, fields[i:]
			break
		}
	}
	if opts.APIVersion != "" {
		candidates = slices.DeleteFunc(candidates, func(t *Type) bool { return t.APIVersion() != opts.APIVersion })
	}
	if len(candidates) == 0 {
		return fmt.Errorf("no resource %q in Kubernetes %s%s", res, s.version, versionNote(opts.APIVersion))
	}
	t := candidates[0]
	root, err := s.docRoot(t)
	if err != nil {
		return err
	}
	n := root
	for i, f := range fields {
		for n.elem != nil && n.fields == nil {
			n = n.elem
		}
		if n.fields == nil {
			return fmt.Errorf("%s: %s has no fields", strings.Join(fields[:i+1], "."), n.typeName)
		}
		next, ok := n.fields()[f]
		if !ok {
			return fmt.Errorf("field %q does not exist in %s (fields: %s)", strings.Join(fields[:i+1], "."), t.Kind, strings.Join(sortedNames(n.fields()), ", "))
		}
		n = next
	}
	var b strings.Builder
	if t.Group != "" {
		fmt.Fprintf(&b, "GROUP:      %s\n", t.Group)
	}
	fmt.Fprintf(&b, "KIND:       %s\nVERSION:    %s\n\n", t.Kind, t.Version)
	if len(fields) > 0 {
		fmt.Fprintf(&b, "FIELD: %s <%s>\n", fields[len(fields)-1], n.typeName)
		if len(n.enum) > 0 {
			fmt.Fprintf(&b, "ENUM:\n    %s\n", strings.Join(n.enum, ", "))
		}
		b.WriteString("\n")
	}
	if n.description != "" {
		b.WriteString("DESCRIPTION:\n")
		b.WriteString(wrap(n.description, "    ", 80))
		b.WriteString("\n")
	}
	fieldsOf := n
	for fieldsOf.fields == nil && fieldsOf.elem != nil {
		fieldsOf = fieldsOf.elem
	}
	if fieldsOf.fields != nil {
		b.WriteString("FIELDS:\n")
		if opts.Recursive {
			writeRecursive(&b, fieldsOf, "  ", map[*docNode]bool{})
		} else {
			fs := fieldsOf.fields()
			for _, name := range sortedNames(fs) {
				f := fs[name]
				req := ""
				if fieldsOf.required[name] {
					req = " -required-"
				}
				fmt.Fprintf(&b, "  %s\t<%s>%s\n", name, f.typeName, req)
				if len(f.enum) > 0 {
					fmt.Fprintf(&b, "  enum: %s\n", strings.Join(f.enum, ", "))
				}
				if f.description != "" {
					b.WriteString(wrap(f.description, "    ", 80))
				}
				b.WriteString("\n")
			}
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func versionNote(av string) string {
	if av == "" {
		return ""
	}
	return " at " + av
}

func writeRecursive(b *strings.Builder, n *docNode, indent string, seen map[*docNode]bool) {
	fs := n.fields()
	for _, name := range sortedNames(fs) {
		f := fs[name]
		fmt.Fprintf(b, "%s%s\t<%s>\n", indent, name, f.typeName)
		sub := f
		for sub.fields == nil && sub.elem != nil {
			sub = sub.elem
		}
		if sub.fields != nil && len(indent) < 40 && !seen[sub] {
			seen[sub] = true
			writeRecursive(b, sub, indent+"  ", seen)
			delete(seen, sub)
		}
	}
}

func sortedNames(m map[string]*docNode) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// wrap fills text into lines of at most width columns, each indented.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(text), "\n") {
		line := indent
		for _, word := range strings.Fields(para) {
			if len(line) > len(indent) && len(line)+1+len(word) > width {
				b.WriteString(line + "\n")
				line = indent
			}
			if len(line) > len(indent) {
				line += " "
			}
			line += word
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func (s *Set) docRoot(t *Type) (*docNode, error) {
	if t.definition != "" {
		def, docs, err := s.documented(t.definition)
		if err != nil {
			return nil, err
		}
		return s.docBuiltin(def, docs, shortName(t.definition)), nil
	}
	if t.crdSchema == nil {
		return &docNode{typeName: t.Kind, description: "(the CustomResourceDefinition declares no schema)"}, nil
	}
	return docCRD(t.crdSchema, t.Kind), nil
}

func shortName(def string) string {
	return def[strings.LastIndexByte(def, '.')+1:]
}

// documented returns a built-in definition and its descriptions.
func (s *Set) documented(name string) (*Node, *docTree, error) {
	def, err := s.definition(name)
	if err != nil {
		return nil, nil, err
	}
	return def, s.cat.docsOf(s.vi.Definitions[name]), nil
}

// docBuiltin describes a node of an embedded definition; $refs are followed
// lazily, so recursive types are fine.
func (s *Set) docBuiltin(n *Node, docs *docTree, name string) *docNode {
	if docs == nil {
		docs = &docTree{}
	}
	if n.Ref != "" {
		def, refDocs, err := s.documented(n.Ref)
		if err != nil {
			return &docNode{typeName: shortName(n.Ref), description: docs.D}
		}
		d := s.docBuiltin(def, refDocs, shortName(n.Ref))
		cp := *d
		if docs.D != "" {
			cp.description = docs.D
		}
		return &cp
	}
	d := &docNode{description: docs.D, typeName: n.Type}
	for _, e := range n.Enum {
		d.enum = append(d.enum, fmt.Sprint(e))
	}
	switch {
	case n.IntOrString:
		d.typeName = "IntOrString"
	case n.Quantity:
		d.typeName = "Quantity"
	case n.PreserveUnknown && n.Type == "":
		d.typeName = "Object"
	case n.Type == "array" && n.Items != nil:
		d.elem = s.docBuiltin(n.Items, docs.I, "")
		d.typeName = "[]" + d.elem.typeName
	case n.Type == "object" && len(n.Properties) == 0:
		if sub, ok := n.additional(); ok && sub != nil {
			d.elem = s.docBuiltin(sub, docs.A, "")
			d.typeName = "map[string]" + d.elem.typeName
		} else {
			d.typeName = "Object"
		}
	case len(n.Properties) > 0:
		if name != "" {
			d.typeName = name
		} else {
			d.typeName = "Object"
		}
		d.required = map[string]bool{}
		for _, r := range n.Required {
			d.required[r] = true
		}
		props := n.Properties
		d.fields = func() map[string]*docNode {
			out := make(map[string]*docNode, len(props))
			for k, p := range props {
				out[k] = s.docBuiltin(p, docs.P[k], "")
			}
			return out
		}
	}
	if d.typeName == "" {
		d.typeName = "Object"
	}
	return d
}

func docCRD(p *apiextensions.JSONSchemaProps, name string) *docNode {
	d := &docNode{description: p.Description, typeName: p.Type}
	for _, e := range p.Enum {
		b, _ := json.Marshal(e)
		d.enum = append(d.enum, strings.Trim(string(b), `"`))
	}
	switch {
	case p.XIntOrString:
		d.typeName = "IntOrString"
	case p.Type == "array" && p.Items != nil && p.Items.Schema != nil:
		d.elem = docCRD(p.Items.Schema, "")
		d.typeName = "[]" + d.elem.typeName
	case p.Type == "object" && len(p.Properties) == 0 && p.AdditionalProperties != nil && p.AdditionalProperties.Schema != nil:
		d.elem = docCRD(p.AdditionalProperties.Schema, "")
		d.typeName = "map[string]" + d.elem.typeName
	case len(p.Properties) > 0:
		d.typeName = "Object"
		if name != "" {
			d.typeName = name
		}
		d.required = map[string]bool{}
		for _, r := range p.Required {
			d.required[r] = true
		}
		d.fields = func() map[string]*docNode {
			out := make(map[string]*docNode, len(p.Properties))
			for k, sub := range p.Properties {
				out[k] = docCRD(&sub, "")
			}
			return out
		}
	}
	if d.typeName == "" {
		d.typeName = "Object"
	}
	return d
}
