package schema

import (
	"fmt"

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
	validator  validation.SchemaValidator
	cel        *cel.Validator // nil without x-kubernetes-validations
	fast       *fastNode      // nil when the fast path cannot decide for this type
	mergeKeys  map[string]string
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
	var keys map[string]string
	switch {
	case t.definition != "":
		p, k, err := t.set.propsAndKeys(t.definition)
		if err != nil {
			return nil, err
		}
		props, keys = p, k
	case t.crdSchema != nil:
		props = t.crdSchema
	default:
		return nil, nil
	}
	s, err := structuralschema.NewStructural(props)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", t, err)
	}
	v, _, err := validation.NewSchemaValidator(props)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", t, err)
	}
	c := &compiled{props: props, structural: s, validator: v, mergeKeys: keys}
	if hasValidationRules(props) {
		c.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)
	} else {
		c.fast = buildFast(s, t.CRD == nil)
	}
	return c, nil
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
