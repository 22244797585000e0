package schema

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
)

// Formats kubenix marks schema nodes with for its own checks (extra.go).
// The API server's validator ignores formats it does not know.
const (
	formatQuantity = "kubenix-quantity"
	formatPortName = "kubenix-port-name"
	// formatBytes is format byte of built-in kinds, which the API server
	// decodes into []byte: "" is no bytes, not an invalid value (custom
	// resources keep format byte, which rejects "").
	formatBytes = "kubenix-byte"
)

// definition returns the built-in definition of this version by name.
func (s *Set) definition(name string) (*Node, error) {
	h, ok := s.vi.Definitions[name]
	if !ok {
		return nil, fmt.Errorf("no definition %s in Kubernetes %s", name, s.version)
	}
	return s.cat.def(h)
}

// props converts a built-in definition into the apiextensions schema the
// API server validates custom resources with, inlining every $ref. A
// recursive reference (only JSONSchemaProps has one) becomes a node that
// keeps unknown fields. Converted definitions are shared between the types
// of a set (a PodSpec is converted once for Deployments, Jobs and Pods).
func (s *Set) props(name string) (*apiextensions.JSONSchemaProps, error) {
	n, err := s.definition(name)
	if err != nil {
		return nil, err
	}
	c := converter{set: s, stack: map[string]bool{name: true}}
	p, _, err := c.node(n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

type converter struct {
	set   *Set
	stack map[string]bool
}

// mergeKeyAt returns the merge key of the list at a schema path of a
// built-in definition (spec.template.spec.containers, ...[].ports): what
// the keyed-list form keys by. "" when there is none.
func (s *Set) mergeKeyAt(definition, schemaPath string) string {
	n, err := s.definition(definition)
	if err != nil {
		return ""
	}
	resolve := func(n *Node) *Node {
		for i := 0; n != nil && n.Ref != "" && i < 64; i++ {
			def, err := s.definition(n.Ref)
			if err != nil {
				return nil
			}
			n = def
		}
		return n
	}
	n = resolve(n)
	for _, seg := range splitSchemaPath(schemaPath) {
		if n == nil {
			return ""
		}
		switch seg {
		case "[]":
			n = resolve(n.Items)
		case "{}":
			sub, _ := n.additional()
			n = resolve(sub)
		default:
			n = resolve(n.Properties[seg])
		}
	}
	if n == nil {
		return ""
	}
	// The field node carries the list's extensions; look at it before $ref.
	if n.MergeKey != "" {
		return n.MergeKey
	}
	if len(n.ListMapKeys) == 1 {
		return n.ListMapKeys[0]
	}
	return ""
}

// splitSchemaPath splits spec.containers[].ports into its steps:
// spec, containers, [], ports.
func splitSchemaPath(p string) []string {
	var out []string
	for _, part := range strings.Split(p, ".") {
		var suffixes []string
		for strings.HasSuffix(part, "[]") || strings.HasSuffix(part, "{}") {
			suffixes = append([]string{part[len(part)-2:]}, suffixes...)
			part = part[:len(part)-2]
		}
		if part != "" {
			out = append(out, part)
		}
		out = append(out, suffixes...)
	}
	return out
}

func (c *converter) node(n *Node) (p *apiextensions.JSONSchemaProps, cut bool, err error) {
	if n.Ref != "" {
		if c.stack[n.Ref] {
			t := true
			return &apiextensions.JSONSchemaProps{XPreserveUnknownFields: &t}, true, nil
		}
		p, ok := c.set.defs.converted[n.Ref]
		if !ok {
			def, err := c.set.definition(n.Ref)
			if err != nil {
				return nil, false, err
			}
			c.stack[n.Ref] = true
			p, cut, err = c.node(def)
			delete(c.stack, n.Ref)
			if err != nil {
				return nil, false, err
			}
			if !cut {
				c.set.defs.converted[n.Ref] = p
			}
		}
		// Fields next to the $ref (default, a field-specific description
		// and the enums and ranges kubenix adds) apply on top.
		cp := *p
		if len(n.Default) > 0 {
			cp.Default = jsonValue(n.Default)
		}
		if n.Minimum != nil {
			cp.Minimum = n.Minimum
		}
		if n.Maximum != nil {
			cp.Maximum = n.Maximum
		}
		if n.PortName {
			cp.Format = formatPortName
		}
		return &cp, cut, nil
	}
	// Descriptions are left out: validation does not need them, and every
	// inlined copy of a type would carry them (explain reads the Nodes).
	p = &apiextensions.JSONSchemaProps{
		Type:      n.Type,
		Format:    n.Format,
		Required:  n.Required,
		Minimum:   n.Minimum,
		Maximum:   n.Maximum,
		MinLength: n.MinLength,
		MaxLength: n.MaxLength,
		MinItems:  n.MinItems,
		MaxItems:  n.MaxItems,
		Pattern:   n.Pattern,
		Nullable:  n.Nullable,
	}
	if n.Format == "int32" || n.Format == "int64" || n.Format == "double" || n.Format == "date-time" || n.Format == "" {
		p.Format = n.Format
	}
	if n.Format == "byte" {
		p.Format = formatBytes
	}
	if n.IntOrString {
		p.XIntOrString = true
		p.Type = ""
		if n.PortName {
			p.Format = formatPortName
		}
	}
	if n.Quantity {
		p.Type = ""
		p.Format = formatQuantity
		p.XIntOrString = false
	}
	if n.PreserveUnknown {
		t := true
		p.XPreserveUnknownFields = &t
	}
	p.XEmbeddedResource = n.Embedded
	if n.ListType != "" {
		lt := n.ListType
		p.XListType = &lt
	}
	p.XListMapKeys = n.ListMapKeys
	if n.MapType != "" {
		mt := n.MapType
		p.XMapType = &mt
	}
	if len(n.Default) > 0 {
		p.Default = jsonValue(n.Default)
	}
	for _, e := range n.Enum {
		p.Enum = append(p.Enum, apiextensions.JSON(e))
	}
	if len(n.Validations) > 0 {
		var rules apiextensions.ValidationRules
		if err := json.Unmarshal(n.Validations, &rules); err != nil {
			return nil, false, fmt.Errorf("x-kubernetes-validations: %w", err)
		}
		p.XValidations = rules
	}
	if len(n.Properties) > 0 {
		p.Properties = make(map[string]apiextensions.JSONSchemaProps, len(n.Properties))
		for name, sub := range n.Properties {
			sp, subCut, err := c.node(sub)
			if err != nil {
				return nil, false, fmt.Errorf("%s: %w", name, err)
			}
			cut = cut || subCut
			p.Properties[name] = *sp
		}
	}
	if n.Items != nil {
		ip, subCut, err := c.node(n.Items)
		if err != nil {
			return nil, false, err
		}
		cut = cut || subCut
		p.Items = &apiextensions.JSONSchemaPropsOrArray{Schema: ip}
	}
	if sub, allowed := n.additional(); sub != nil {
		ap, subCut, err := c.node(sub)
		if err != nil {
			return nil, false, err
		}
		cut = cut || subCut
		p.AdditionalProperties = &apiextensions.JSONSchemaPropsOrBool{Allows: true, Schema: ap}
	} else if allowed {
		p.AdditionalProperties = &apiextensions.JSONSchemaPropsOrBool{Allows: true}
	}
	return p, cut, nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func jsonValue(raw json.RawMessage) *apiextensions.JSON {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	j := apiextensions.JSON(fromJSONNumbers(v))
	return &j
}

// fromJSONNumbers turns encoding/json's float64 into int64 where integral,
// as kubenix's object values have them.
func fromJSONNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = fromJSONNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = fromJSONNumbers(e)
		}
	case float64:
		if t == float64(int64(t)) {
			return int64(t)
		}
	}
	return v
}
