package schema

import (
	"fmt"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
)

// The checks below are ones the API server makes in Go code for built-in
// kinds, which their OpenAPI schemas cannot express: quantities, port names,
// labels inside templates, and workload selectors that must match their
// template. (Enums and port ranges the schema generator adds to the schemas
// themselves; see schema/gen.)

// pathSegmentName is the rule the API server applies to RBAC names: any
// name that is safe as one segment of a URL path.
func pathSegmentName(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

// nameRule is the name format the API server requires of a kind.
func nameRule(t *Type) apimachineryvalidation.ValidateNameFunc {
	if t.CRD != nil {
		return apimachineryvalidation.NameIsDNSSubdomain
	}
	switch t.Group + "/" + t.Kind {
	case "/Namespace":
		return apimachineryvalidation.ValidateNamespaceName
	case "/Service":
		return apimachineryvalidation.NameIsDNS1035Label
	case "rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/ClusterRole",
		"rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding":
		return pathSegmentName
	}
	return apimachineryvalidation.NameIsDNSSubdomain
}

// checkBytes is format byte as the API server decodes built-in kinds:
// base64, and "" is no bytes. The words are those of the format check that
// validated these fields before "" was let through.
func checkBytes(x any, p *field.Path, errs *field.ErrorList) {
	if str, ok := x.(string); ok && str != "" && !strfmt.Default.Validates("byte", str) {
		*errs = append(*errs, field.TypeInvalid(p, str, fmt.Sprintf("%s in body must be of type byte: %q", p.String(), str)))
	}
}

// extraChecks walks an object with its schema.
func extraChecks(obj map[string]any, s *structuralschema.Structural, t *Type) field.ErrorList {
	var errs field.ErrorList
	walkExtra(obj, s, nil, true, &errs)
	if t.CRD == nil {
		errs = append(errs, selectorChecks(obj, t)...)
	}
	return errs
}

func walkExtra(x any, s *structuralschema.Structural, p *field.Path, root bool, errs *field.ErrorList) {
	if s == nil {
		return
	}
	if s.ValueValidation != nil {
		switch s.ValueValidation.Format {
		case formatQuantity:
			checkQuantity(x, p, errs)
			return
		case formatBytes:
			checkBytes(x, p, errs)
			return
		case formatPortName:
			if str, ok := x.(string); ok {
				for _, msg := range utilvalidation.IsValidPortName(str) {
					*errs = append(*errs, field.Invalid(p, str, msg))
				}
			}
			return
		}
	}
	switch v := x.(type) {
	case map[string]any:
		for k, e := range v {
			if prop, ok := s.Properties[k]; ok {
				cp := p.Child(k)
				if k == "metadata" && !root {
					checkNestedMeta(e, cp, errs)
				}
				walkExtra(e, &prop, cp, false, errs)
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
				if v := s.AdditionalProperties.Structural.ValueValidation; v != nil && v.Format == formatBytes {
					checkBytes(e, p.Child(k), errs) // named as the API server's format check names it
					continue
				}
				walkExtra(e, s.AdditionalProperties.Structural, p.Key(k), false, errs)
			}
		}
	case []any:
		for i, e := range v {
			walkExtra(e, s.Items, p.Index(i), false, errs)
		}
	}
}

func checkQuantity(x any, p *field.Path, errs *field.ErrorList) {
	switch v := x.(type) {
	case string:
		if _, err := resource.ParseQuantity(v); err != nil {
			*errs = append(*errs, field.Invalid(p, v, "must be a quantity such as 500m, 128Mi, 2 or 1.5 ("+err.Error()+")"))
		}
	case int64, float64, int:
	case nil:
	default:
		*errs = append(*errs, field.TypeInvalid(p, x, "must be a quantity: a string such as 500m or 128Mi, or a number"))
	}
}

// checkNestedMeta validates labels and annotations of an ObjectMeta inside
// an object (a pod template's metadata), as the API server does.
func checkNestedMeta(x any, p *field.Path, errs *field.ErrorList) {
	m, ok := x.(map[string]any)
	if !ok {
		return
	}
	if l, ok := stringMap(m["labels"]); ok {
		*errs = append(*errs, metav1validation.ValidateLabels(l, p.Child("labels"))...)
	}
	if a, ok := stringMap(m["annotations"]); ok {
		*errs = append(*errs, apimachineryvalidation.ValidateAnnotations(a, p.Child("annotations"))...)
	}
}

func stringMap(x any) (map[string]string, bool) {
	m, ok := x.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, false // a type error the schema reports
		}
		out[k] = s
	}
	return out, true
}

// selectorChecks: a workload's selector must select its own pods, or the
// API server refuses it ("selector does not match template labels").
func selectorChecks(obj map[string]any, t *Type) field.ErrorList {
	spec, _ := obj["spec"].(map[string]any)
	if spec == nil {
		return nil
	}
	var tmplLabels map[string]string
	if tmpl, ok := spec["template"].(map[string]any); ok {
		if meta, ok := tmpl["metadata"].(map[string]any); ok {
			tmplLabels, _ = stringMap(meta["labels"])
		}
	}
	labelsPath := field.NewPath("spec", "template", "metadata", "labels")
	switch t.Group + "/" + t.Kind {
	case "apps/Deployment", "apps/ReplicaSet", "apps/StatefulSet", "apps/DaemonSet":
		raw, ok := spec["selector"].(map[string]any)
		if !ok {
			return nil // required: the schema says so
		}
		var ls metav1.LabelSelector
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls); err != nil {
			return nil // a type error the schema reports
		}
		sel, err := metav1.LabelSelectorAsSelector(&ls)
		if err != nil {
			return field.ErrorList{field.Invalid(field.NewPath("spec", "selector"), raw, err.Error())}
		}
		if sel.Empty() {
			return field.ErrorList{field.Invalid(field.NewPath("spec", "selector"), raw, fmt.Sprintf("empty selector is invalid for %s", lowerKind(t.Kind)))}
		}
		if !sel.Matches(labels.Set(tmplLabels)) {
			return field.ErrorList{field.Invalid(labelsPath, tmplLabels, "`selector` does not match template `labels`")}
		}
	case "/ReplicationController":
		sel, ok := stringMap(spec["selector"])
		if ok && len(sel) > 0 && tmplLabels != nil && !labels.SelectorFromSet(sel).Matches(labels.Set(tmplLabels)) {
			return field.ErrorList{field.Invalid(labelsPath, tmplLabels, "`selector` does not match template `labels`")}
		}
	}
	return nil
}

func lowerKind(k string) string {
	if k == "" {
		return k
	}
	return string(k[0]|0x20) + k[1:]
}
