package schema

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubenix/kubenix/manifest"
)

// With returns a set that knows, besides the types of s, the custom
// resources the CRDs among objs define; s itself is left as it was. Each CRD
// is checked as the API server checks it on creation (names, structural
// schema, CEL rules); an invalid CRD defines nothing, and Validate reports
// its problems on the CRD. A later CRD for the same group and kind wins.
func (s *Set) With(objs []*manifest.Object) *Set {
	n := &Set{version: s.version, cat: s.cat, vi: s.vi, types: maps.Clone(s.types), list: slices.Clone(s.list),
		badCRDs: maps.Clone(s.badCRDs), crdChecked: maps.Clone(s.crdChecked), defs: s.defs, onMachinery: s.onMachinery}
	for _, o := range objs {
		if !o.IsCRD() || o.Version() != "v1" {
			continue // other versions are reported as removed by Validate
		}
		types, errs := n.crdTypes(o)
		if n.crdChecked == nil {
			n.crdChecked = map[*manifest.Object]field.ErrorList{}
		}
		n.crdChecked[o] = errs
		if len(errs) > 0 {
			if n.badCRDs == nil {
				n.badCRDs = map[string]*manifest.Object{}
			}
			if g, k, _ := o.DefinedKind(); g != "" && k != "" {
				n.badCRDs[g+"/"+k] = o
			}
			continue
		}
		for _, t := range types {
			n.add(t)
		}
	}
	return n
}

// crdErrors is the API server's own validation of a CRD object: the
// verdict With reached on it, unless the object has changed since (Normalize
// turned a keyed list into a list, recording it in Keyed), else its check now.
func (s *Set) crdErrors(o *manifest.Object) field.ErrorList {
	if errs, ok := s.crdChecked[o]; ok && len(o.Keyed) == 0 {
		return slices.Clone(errs)
	}
	_, errs := (&Set{}).crdTypes(o)
	return errs
}

// jsonSchemaPropsFields are the fields of a CRD's schemas (JSONSchemaProps).
var jsonSchemaPropsFields = func() map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeFor[apiextensionsv1.JSONSchemaProps]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}()

// unknownSchemaFields are the fields of a CRD's version schemas, at any
// depth, that a schema does not have: the server's strict decoding refuses
// them, and the schema kubenix checks a CRD against stops at the first
// level of the recursive JSONSchemaProps.
func unknownSchemaFields(body map[string]any) field.ErrorList {
	var out field.ErrorList
	var walk func(p *field.Path, v any)
	schemas := func(p *field.Path, v any) {
		if m, ok := v.(map[string]any); ok {
			for _, k := range slices.Sorted(maps.Keys(m)) {
				walk(p.Child(k), m[k])
			}
		}
	}
	walk = func(p *field.Path, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			c := p.Child(k)
			switch k {
			case "properties", "patternProperties", "definitions", "dependencies":
				schemas(c, m[k])
			case "items", "allOf", "oneOf", "anyOf":
				if l, ok := m[k].([]any); ok {
					for i, e := range l {
						walk(c.Index(i), e)
					}
				} else {
					walk(c, m[k])
				}
			case "additionalProperties", "additionalItems", "not":
				walk(c, m[k])
			default:
				if !jsonSchemaPropsFields[k] {
					out = append(out, &field.Error{Type: ReasonUnknownField, Field: c.String(), BadValue: "", Detail: "field not declared in schema"})
				}
			}
		}
	}
	spec, _ := body["spec"].(map[string]any)
	versions, _ := spec["versions"].([]any)
	for i, v := range versions {
		if vm, ok := v.(map[string]any); ok {
			if sch, ok := vm["schema"].(map[string]any); ok {
				walk(field.NewPath("spec", "versions").Index(i).Child("schema", "openAPIV3Schema"), sch["openAPIV3Schema"])
			}
		}
	}
	return out
}

func (s *Set) crdTypes(o *manifest.Object) ([]*Type, field.ErrorList) {
	if errs := unknownSchemaFields(o.Body); len(errs) > 0 {
		return nil, errs
	}
	var v1 apiextensionsv1.CustomResourceDefinition
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(deepCopy(o.Body).(map[string]any), &v1); err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("spec"), nil, fmt.Sprintf("cannot be read as a CustomResourceDefinition: %v", err))}
	}
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(&v1)
	var crd apiextensions.CustomResourceDefinition
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&v1, &crd, nil); err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("spec"), nil, err.Error())}
	}
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), &crd); len(errs) > 0 {
		return nil, errs
	}
	var types []*Type
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		t := &Type{
			Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind,
			Plural: crd.Spec.Names.Plural, Singular: crd.Spec.Names.Singular, ShortNames: crd.Spec.Names.ShortNames,
			Namespaced: crd.Spec.Scope == apiextensions.NamespaceScoped, CRD: o, set: s,
		}
		if sv, err := apiextensions.GetSchemaForVersion(&crd, v.Name); err == nil && sv != nil {
			t.crdSchema = sv.OpenAPIV3Schema
		}
		types = append(types, t)
	}
	return types, nil
}
