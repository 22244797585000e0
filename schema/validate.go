package schema

import (
	"context"
	"fmt"
	"slices"
	"strings"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/parallel"
	"github.com/kubenix/kubenix/manifest"
)

// Options tune validation.
type Options struct {
	// AllowUnknownFields reports fields the schema does not declare as
	// warnings instead of errors (the API server drops them).
	AllowUnknownFields bool
	// AllowUnknownKinds reports objects of kinds neither the target version
	// nor the build's CRDs know as warnings instead of errors.
	AllowUnknownKinds bool
}

// Reason for a field the schema does not declare: the API server's strict
// field validation (kubectl's default) rejects the object with "unknown
// field"; pruning would drop it.
const ReasonUnknownField = "FieldValueUnknown"

// Validate checks every object against its type, the way the API server
// validates a create: schema (types, formats, enums, ranges, required),
// unknown fields, list-type maps and sets, ObjectMeta, embedded resources,
// CEL rules, and the checks kubenix adds (extra.go). It runs on all cores and
// reports in object order.
func (s *Set) Validate(objs []*manifest.Object, opts Options) diag.List {
	var out diag.List
	for _, r := range s.ValidateAll(objs, opts) {
		out = append(out, r...)
	}
	return out
}

// ValidateAll is Validate with the diagnostics of each object apart.
func (s *Set) ValidateAll(objs []*manifest.Object, opts Options) []diag.List {
	results := make([]diag.List, len(objs))
	parallel.All(len(objs), 32, func(i int) { results[i] = s.ValidateObject(objs[i], opts) })
	return results
}

// ValidateObject checks one object.
func (s *Set) ValidateObject(o *manifest.Object, opts Options) diag.List {
	t, ok := s.Lookup(o.APIVersion, o.Kind)
	if !ok {
		return s.unknownKind(o, opts)
	}
	var l diag.List
	if dep, ok := s.deprecation(t); ok {
		l = append(l, dep.diagnostic(o))
	}
	errs, warns := s.check(o, t, opts)
	if o.IsCRD() && t.CRD == nil {
		errs = mergeErrors(errs, s.crdErrors(o))
	}
	sortErrors(errs)
	sortErrors(warns)
	for _, e := range errs {
		l = append(l, FieldDiagnostic(o, e, diag.Error))
	}
	for _, e := range warns {
		l = append(l, FieldDiagnostic(o, e, diag.Warning))
	}
	return l
}

func (s *Set) check(o *manifest.Object, t *Type, opts Options) (errs, warns field.ErrorList) {
	c, err := t.schema()
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}, nil
	}
	if c != nil && c.fast != nil && fastOK(o.Body, c.fast, t.Namespaced, nameRule(t)) {
		return extraChecks(o.Body, c.structural, t), nil
	}
	return s.fullCheck(o, t, c, opts)
}

// fullCheck validates with the API server's machinery: the authority on
// what is wrong and how to say it.
func (s *Set) fullCheck(o *manifest.Object, t *Type, c *compiled, opts Options) (errs, warns field.ErrorList) {
	obj := deepCopy(o.Body).(map[string]any)

	// ObjectMeta: unknown fields, then the rules every object obeys.
	// Metadata fields of the wrong type are reported by the schema of
	// built-in kinds; custom resources' root metadata schema says nothing
	// about them, so there they are errors here.
	meta, _, unknownMeta, err := objectmeta.GetObjectMetaWithOptions(obj, objectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true, DropMalformedFields: t.CRD == nil})
	if err != nil {
		errs = append(errs, field.Invalid(field.NewPath("metadata"), obj["metadata"], err.Error()))
	} else if meta != nil {
		errs = append(errs, apimachineryvalidation.ValidateObjectMetaAccessor(meta, t.Namespaced, nameRule(t), field.NewPath("metadata"))...)
	}
	var unknown []string
	unknown = append(unknown, unknownMeta...)
	if c == nil {
		return errs, warnOrErr(unknownFields(unknown), opts.AllowUnknownFields, &errs)
	}

	// As the API server decodes: nulls of fields that are not nullable are
	// dropped (built-in kinds decode into Go structs, where null is absent);
	// custom resources are defaulted.
	if t.CRD == nil {
		pruneNulls(obj, c.structural)
	} else {
		structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, c.structural)
		structuraldefaulting.Default(obj, c.structural)
	}

	// Unknown fields: what pruning would drop.
	unknown = append(unknown, pruning.PruneWithOptions(obj, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	unknownErrs := unknownFields(unknown)

	fillListMapKeyDefaults(obj, c.structural, t.CRD == nil)
	validator, err := c.schemaValidator()
	if err != nil {
		return append(errs, field.InternalError(nil, fmt.Errorf("schema of %s: %w", t, err))), nil
	}
	errs = append(errs, placeUnplaced(validation.ValidateCustomResource(nil, obj, validator), obj)...)
	errs = append(errs, objectmeta.Validate(context.Background(), nil, obj, c.structural, false)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, c.structural, obj)...)
	machinery := len(errs) + len(unknownErrs)
	errs = append(errs, extraChecks(obj, c.structural, t)...)
	if c.cel != nil && !blocking(errs) {
		celErrs, _ := c.cel.Validate(context.Background(), nil, c.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
		machinery += len(celErrs)
	}
	if s.onMachinery != nil {
		s.onMachinery(machinery)
	}
	return errs, warnOrErr(beneathTypeErrors(errs, unknownErrs), opts.AllowUnknownFields, &errs)
}

// beneathTypeErrors leaves out the unknown fields inside a value of the
// wrong type: data.x = {y: z} where a string belongs is one error at
// data.x, not another for data.x.y (which the schema cannot declare).
func beneathTypeErrors(errs, unknown field.ErrorList) field.ErrorList {
	var out field.ErrorList
next:
	for _, u := range unknown {
		for _, e := range errs {
			if e.Type == field.ErrorTypeTypeInvalid && e.Field != "" &&
				(strings.HasPrefix(u.Field, e.Field+".") || strings.HasPrefix(u.Field, e.Field+"[")) {
				continue next
			}
		}
		out = append(out, u)
	}
	return out
}

func warnOrErr(unknown field.ErrorList, allow bool, errs *field.ErrorList) field.ErrorList {
	if allow {
		return unknown
	}
	*errs = append(unknown, *errs...)
	return nil
}

func unknownFields(paths []string) field.ErrorList {
	var out field.ErrorList
	for _, p := range paths {
		out = append(out, &field.Error{Type: ReasonUnknownField, Field: p, BadValue: "", Detail: "field not declared in schema"})
	}
	return out
}

// blocking reports errors after which CEL rules are not evaluated, as the
// API server does: type errors would make the rules fail confusingly.
func blocking(errs field.ErrorList) bool {
	for _, e := range errs {
		if e.Type == field.ErrorTypeTypeInvalid || e.Type == field.ErrorTypeRequired || e.Type == field.ErrorTypeNotSupported ||
			e.Type == field.ErrorTypeTooLong || e.Type == field.ErrorTypeTooMany {
			return true
		}
	}
	return false
}

// mergeErrors appends the errors of more that do not repeat one of errs
// (the same field and reason).
func mergeErrors(errs, more field.ErrorList) field.ErrorList {
	seen := map[string]bool{}
	for _, e := range errs {
		seen[e.Field+"\x00"+string(e.Type)] = true
	}
	for _, e := range more {
		if !seen[e.Field+"\x00"+string(e.Type)] {
			errs = append(errs, e)
		}
	}
	return errs
}

// sortErrors orders errors by field, then reason and message, so that
// output never depends on map iteration inside the validators.
func sortErrors(errs field.ErrorList) {
	slices.SortStableFunc(errs, func(a, b *field.Error) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
			return c
		}
		return strings.Compare(a.ErrorBody(), b.ErrorBody())
	})
}

func (s *Set) unknownKind(o *manifest.Object, opts Options) diag.List {
	sev := diag.Error
	if opts.AllowUnknownKinds {
		sev = diag.Warning
	}
	d := diag.Diagnostic{Severity: sev, Pos: o.Origin.Where(), Path: o.TreePath(), Object: o.ID(), Identity: o.Identity(), Field: "kind", Reason: string(field.ErrorTypeNotSupported)}
	if dep, ok := removedAPI(o.Group(), o.Version(), o.Kind, s.version); ok {
		d.Message, d.Hint, d.Field = dep.message(), dep.hint(), "apiVersion"
		return diag.List{d}
	}
	if other := s.Resolve(o.Kind); len(other) > 0 {
		var avs []string
		for _, t := range other {
			if strings.EqualFold(t.Kind, o.Kind) {
				avs = append(avs, t.APIVersion())
			}
		}
		if len(avs) > 0 {
			d.Field = "apiVersion"
			d.Message = fmt.Sprintf("Kubernetes %s has no %s %s", s.version, o.APIVersion, o.Kind)
			d.Hint = fmt.Sprintf("%s is served as %s", other[0].Kind, strings.Join(avs, ", "))
			return diag.List{d}
		}
	}
	if crd, ok := s.badCRDs[o.Group()+"/"+o.Kind]; ok {
		d.Message = fmt.Sprintf("%s %s cannot be checked: its CustomResourceDefinition %s is invalid", o.APIVersion, o.Kind, crd.Name)
		d.Hint = "fix the errors reported for " + crd.ID()
		return diag.List{d}
	}
	d.Message = fmt.Sprintf("unknown kind %s %s: Kubernetes %s does not have it and no CRD in the build defines it", o.APIVersion, o.Kind, s.version)
	d.Hint = "add its CustomResourceDefinition to the build or pass it with --crd, or use --allow-unknown-kinds"
	return diag.List{d}
}

// FieldDiagnostic turns an API-server field error about o into a diagnostic.
func FieldDiagnostic(o *manifest.Object, e *field.Error, sev diag.Severity) diag.Diagnostic {
	msg := e.ErrorBody()
	if e.Type == ReasonUnknownField {
		msg = "unknown field: not declared in the schema of " + o.APIVersion + " " + o.Kind
	}
	return diag.Diagnostic{
		Severity: sev, Pos: o.Origin.Where(), Path: o.TreePath(), Identity: o.Identity(),
		Object: o.ID(), Field: e.Field, Reason: string(e.Type), Message: msg,
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

func isZero(v any) bool {
	switch t := v.(type) {
	case string:
		return t == ""
	case int64:
		return t == 0
	case float64:
		return t == 0
	case bool:
		return !t
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return v == nil
}

// pruneNulls drops null values of fields that are not nullable.
func pruneNulls(x any, s *structuralschema.Structural) {
	m, ok := x.(map[string]any)
	if !ok || s == nil {
		if l, ok := x.([]any); ok && s != nil {
			for _, e := range l {
				pruneNulls(e, s.Items)
			}
		}
		return
	}
	for k, v := range m {
		var sub *structuralschema.Structural
		if p, ok := s.Properties[k]; ok {
			sub = &p
		} else if s.AdditionalProperties != nil {
			sub = s.AdditionalProperties.Structural
		}
		if v == nil {
			if sub == nil || !sub.Nullable {
				delete(m, k)
			}
			continue
		}
		pruneNulls(v, sub)
	}
}

// fillListMapKeyDefaults sets defaulted map keys of list-type maps (a
// Service port's protocol) as the API server's defaulting would, so that
// uniqueness is judged on the values the server sees. For built-in kinds,
// zero defaults ("" and 0, which their OpenAPI lists for every Go field) mean
// "not set" and are not filled: the field stays missing, and required.
func fillListMapKeyDefaults(x any, s *structuralschema.Structural, builtin bool) {
	if s == nil {
		return
	}
	switch v := x.(type) {
	case map[string]any:
		for k, e := range v {
			if p, ok := s.Properties[k]; ok {
				fillListMapKeyDefaults(e, &p, builtin)
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil {
				fillListMapKeyDefaults(e, s.AdditionalProperties.Structural, builtin)
			}
		}
	case []any:
		if s.Items == nil {
			return
		}
		isMap := s.XListType != nil && *s.XListType == "map"
		for _, e := range v {
			if m, ok := e.(map[string]any); ok && isMap {
				for _, key := range s.XListMapKeys {
					if _, set := m[key]; !set {
						if p, ok := s.Items.Properties[key]; ok && p.Default.Object != nil && !(builtin && isZero(p.Default.Object)) {
							m[key] = p.Default.Object
						}
					}
				}
			}
			fillListMapKeyDefaults(e, s.Items, builtin)
		}
	}
}
