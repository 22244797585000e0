package schema

import (
	"fmt"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// compiled is everything needed to validate objects of one type, built
// once per type and build.
type compiled struct {
	props      *apiextensions.JSONSchemaProps
	structural *structuralschema.Structural
	// The API server's validator, built on first use: objects the fast
	// path decides never need it, and building it converts the whole
	// schema once more.
	validatorOnce sync.Once
	validator     validation.SchemaValidator
	validatorErr  error
	cel           *cel.Validator // nil without x-kubernetes-validations
	fast          *fastNode      // nil when the fast path cannot decide for this type
}

// schema returns the compiled schema of a type, or nil when a custom
// resource's CRD declares none (anything goes).
func (t *Type) schema() (*compiled, error) {
	t.once.Do(func() {
		t.compiled, t.err = t.compile()
	})
	return t.compiled, t.err
}

func (t *Type) compile() (*compiled, error) {
	var props *apiextensions.JSONSchemaProps
	switch {
	case t.definition != "":
		t.set.defs.mu.Lock()
		p, err := t.set.props(t.definition)
		t.set.defs.mu.Unlock()
		if err != nil {
			return nil, err
		}
		props = p
	case t.crdSchema != nil:
		props = t.crdSchema
	default:
		return nil, nil
	}
	s, err := structuralschema.NewStructural(props)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", t, err)
	}
	c := &compiled{props: props, structural: s}
	var rules bool
	if t.definition != "" {
		t.set.defs.mu.Lock()
		rules = t.set.defHasRules(t.definition, map[string]bool{})
		t.set.defs.mu.Unlock()
	} else {
		rules = hasValidationRules(props)
	}
	if rules {
		c.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)
	} else {
		c.fast = buildFast(s, t.CRD == nil)
	}
	return c, nil
}

// defHasRules reports whether a built-in definition, or one it refers to,
// has x-kubernetes-validations (walking definitions, not the inlined tree).
func (s *Set) defHasRules(name string, seen map[string]bool) bool {
	if r, ok := s.defs.rules[name]; ok {
		return r
	}
	if seen[name] {
		return false
	}
	seen[name] = true
	n, err := s.definition(name)
	if err != nil {
		return false
	}
	var walk func(n *Node) bool
	walk = func(n *Node) bool {
		if n == nil {
			return false
		}
		if len(n.Validations) > 0 || n.Ref != "" && s.defHasRules(n.Ref, seen) {
			return true
		}
		for _, p := range n.Properties {
			if walk(p) {
				return true
			}
		}
		sub, _ := n.additional()
		return walk(n.Items) || walk(sub)
	}
	r := walk(n)
	s.defs.rules[name] = r
	return r
}

// schemaValidator returns the API server's validator for the type.
func (c *compiled) schemaValidator() (validation.SchemaValidator, error) {
	c.validatorOnce.Do(func() {
		c.validator, _, c.validatorErr = validation.NewSchemaValidator(c.props)
	})
	return c.validator, c.validatorErr
}

func hasValidationRules(p *apiextensions.JSONSchemaProps) bool {
	if p == nil {
		return false
	}
	if len(p.XValidations) > 0 {
		return true
	}
	for _, sub := range p.Properties {
		if hasValidationRules(&sub) {
			return true
		}
	}
	if p.Items != nil && hasValidationRules(p.Items.Schema) {
		return true
	}
	if p.AdditionalProperties != nil && hasValidationRules(p.AdditionalProperties.Schema) {
		return true
	}
	return false
}
