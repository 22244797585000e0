package schema

import (
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/go-openapi/swag/conv"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
)

// The fast path. Validating with the API server's machinery (validate.go)
// costs about 200 µs an object, mostly in kube-openapi's reflective
// validator. Almost every object of a build is valid, so kubenix first asks
// a much cheaper question: does this object certainly pass every check of
// that machinery? fastOK answers it with a single walk over a precompiled
// schema, and answers "no" whenever it is not sure. Only then does the full
// machinery run, and its verdict and messages are the ones reported. So the
// fast path can make validation faster but never different: fast_test.go
// holds it to that over the test corpus and generated mutations.

type typeSet uint8

const (
	tObject typeSet = 1 << iota
	tArray
	tString
	tInteger
	tNumber
	tBoolean
)

type fastNode struct {
	types      typeSet // 0: any type
	nullable   bool
	format     string // a string format the API server validates
	enum       []any
	min, max   *float64
	exclMin    bool
	exclMax    bool
	intRange   bool // format int32: the value must fit
	minLen     *int64
	maxLen     *int64
	pattern    *regexp.Regexp
	minItems   *int64
	maxItems   *int64
	minProps   *int64
	maxProps   *int64
	required   []string
	props      map[string]*fastNode
	addl       *fastNode // additionalProperties schema
	addlAny    bool      // additionalProperties: true
	items      *fastNode
	preserve   bool // x-kubernetes-preserve-unknown-fields
	root       bool // apiVersion, kind and metadata are not pruned
	listType   string
	listKeys   []string
	keyDefault map[string]any
}

// buildFast compiles a structural schema for the fast path, or returns nil
// when it uses something the fast path does not decide (then every object
// of the type takes the full path). Custom resources with defaults are not
// fast: defaulting can make an object invalid.
func buildFast(s *structuralschema.Structural, builtin bool) *fastNode {
	b := fastBuilder{builtin: builtin, formats: map[string]bool{}}
	n := b.node(s)
	if b.unsupported {
		return nil
	}
	n.root = true
	return n
}

type fastBuilder struct {
	builtin     bool
	unsupported bool
	formats     map[string]bool
}

func (b *fastBuilder) node(s *structuralschema.Structural) *fastNode {
	if s == nil {
		return nil
	}
	n := &fastNode{nullable: s.Nullable, preserve: s.XPreserveUnknownFields}
	if s.XEmbeddedResource {
		b.unsupported = true
	}
	if s.Default.Object != nil && !b.builtin {
		b.unsupported = true
	}
	switch s.Type {
	case "object":
		n.types = tObject
	case "array":
		n.types = tArray
	case "string":
		n.types = tString
	case "integer":
		n.types = tInteger
	case "number":
		n.types = tNumber
	case "boolean":
		n.types = tBoolean
	case "":
	default:
		b.unsupported = true
	}
	if s.XIntOrString {
		n.types = tInteger | tString
	}
	if v := s.ValueValidation; v != nil {
		if len(v.AllOf) > 0 || len(v.AnyOf) > 0 || len(v.OneOf) > 0 || v.Not != nil || v.MultipleOf != nil || v.UniqueItems {
			b.unsupported = true
		}
		if v.Format != "" {
			switch s.Type {
			case "integer":
				switch v.Format {
				case "int32":
					n.intRange = true
				case "int64":
				default:
				}
			case "number":
				if v.Format == "float" {
					b.unsupported = true
				}
			case "", "string":
				if b.supportedFormat(v.Format) {
					n.format = v.Format
				}
			}
		}
		for _, e := range v.Enum {
			n.enum = append(n.enum, e.Object)
		}
		if v.Minimum != nil {
			m := *v.Minimum
			n.min, n.exclMin = &m, v.ExclusiveMinimum
		}
		if v.Maximum != nil {
			m := *v.Maximum
			n.max, n.exclMax = &m, v.ExclusiveMaximum
		}
		n.minLen, n.maxLen = v.MinLength, v.MaxLength
		n.minItems, n.maxItems = v.MinItems, v.MaxItems
		n.minProps, n.maxProps = v.MinProperties, v.MaxProperties
		n.required = v.Required
		if v.Pattern != "" {
			re, err := regexp.Compile(v.Pattern)
			if err != nil {
				b.unsupported = true
			}
			n.pattern = re
		}
	}
	if len(s.Properties) > 0 {
		n.props = make(map[string]*fastNode, len(s.Properties))
		for k, p := range s.Properties {
			n.props[k] = b.node(&p)
		}
	}
	if s.AdditionalProperties != nil {
		if s.AdditionalProperties.Structural != nil {
			n.addl = b.node(s.AdditionalProperties.Structural)
		} else if s.AdditionalProperties.Bool {
			n.addlAny = true
		} else {
			b.unsupported = true
		}
	}
	if s.Items != nil {
		n.items = b.node(s.Items)
	}
	if s.XListType != nil {
		n.listType = *s.XListType
		n.listKeys = s.XListMapKeys
		if n.listType == "map" && s.Items != nil {
			for _, k := range n.listKeys {
				if p, ok := s.Items.Properties[k]; ok && p.Default.Object != nil && !(b.builtin && isZero(p.Default.Object)) {
					if n.keyDefault == nil {
						n.keyDefault = map[string]any{}
					}
					n.keyDefault[k] = p.Default.Object
				}
			}
		}
	}
	return n
}

// supportedFormat mirrors which string formats the API server validates
// (everything else is stripped before validation).
func (b *fastBuilder) supportedFormat(f string) bool {
	ok, seen := b.formats[f]
	if !seen {
		s := &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}, Format: f}}
		ok = len(validation.GetUnrecognizedFormats(s, environment.DefaultCompatibilityVersion())) == 0 && strfmt.Default.ContainsName(f)
		b.formats[f] = ok
	}
	return ok
}

// fastOK reports whether obj certainly passes the API server's schema
// validation, pruning (no unknown fields), list-type and metadata checks.
func fastOK(obj map[string]any, n *fastNode, namespaced bool, nameFn apimachineryvalidation.ValidateNameFunc) bool {
	if !fastMeta(obj["metadata"], namespaced, nameFn) {
		return false
	}
	return n.ok(obj)
}

// fastMeta checks the root metadata: only the everyday fields, each of the
// right type, and the ObjectMeta rules.
func fastMeta(x any, namespaced bool, nameFn apimachineryvalidation.ValidateNameFunc) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	var meta metav1.ObjectMeta
	for k, v := range m {
		switch k {
		case "name", "namespace", "generateName":
			s, ok := v.(string)
			if !ok {
				return false
			}
			switch k {
			case "name":
				meta.Name = s
			case "namespace":
				meta.Namespace = s
			default:
				meta.GenerateName = s
			}
		case "labels", "annotations":
			sm, ok := stringMap(v)
			if !ok {
				return false
			}
			if k == "labels" {
				meta.Labels = sm
			} else {
				meta.Annotations = sm
			}
		case "finalizers":
			l, ok := v.([]any)
			if !ok {
				return false
			}
			for _, e := range l {
				s, ok := e.(string)
				if !ok {
					return false
				}
				meta.Finalizers = append(meta.Finalizers, s)
			}
		default:
			return false
		}
	}
	return len(apimachineryvalidation.ValidateObjectMetaAccessor(&meta, namespaced, nameFn, nil)) == 0
}

func (n *fastNode) ok(x any) bool {
	if n == nil {
		return true
	}
	if x == nil {
		// Non-nullable nulls are dropped before validation; nullable ones
		// must be allowed by the enum, if any.
		return !n.nullable || len(n.enum) == 0
	}
	switch v := x.(type) {
	case string:
		if n.types != 0 && n.types&tString == 0 {
			return false
		}
		if len(n.enum) > 0 && !enumHasString(n.enum, v) {
			return false
		}
		if n.minLen != nil || n.maxLen != nil {
			l := int64(utf8.RuneCountInString(v))
			if n.minLen != nil && l < *n.minLen || n.maxLen != nil && l > *n.maxLen {
				return false
			}
		}
		if n.pattern != nil && !n.pattern.MatchString(v) {
			return false
		}
		if n.format != "" && !strfmt.Default.Validates(n.format, v) {
			return false
		}
		return true
	case bool:
		return (n.types == 0 || n.types&tBoolean != 0) && len(n.enum) == 0
	case int64:
		if n.types != 0 && n.types&(tInteger|tNumber) == 0 {
			return false
		}
		if n.intRange && (v < math.MinInt32 || v > math.MaxInt32) {
			return false
		}
		return len(n.enum) == 0 && n.inRange(float64(v))
	case float64:
		if n.types != 0 && n.types&tNumber == 0 && !(n.types&tInteger != 0 && conv.IsFloat64AJSONInteger(v)) {
			return false
		}
		if n.types&tInteger != 0 && (v > math.MaxInt64/2 || v < math.MinInt64/2) {
			return false
		}
		if n.intRange && (v < math.MinInt32 || v > math.MaxInt32) {
			return false
		}
		return len(n.enum) == 0 && n.inRange(v)
	case map[string]any:
		return n.okMap(v)
	case []any:
		return n.okList(v)
	}
	return false
}

func enumHasString(enum []any, s string) bool {
	for _, e := range enum {
		if es, ok := e.(string); ok && es == s {
			return true
		}
	}
	return false
}

func (n *fastNode) inRange(f float64) bool {
	if n.min != nil && (f < *n.min || n.exclMin && f == *n.min) {
		return false
	}
	if n.max != nil && (f > *n.max || n.exclMax && f == *n.max) {
		return false
	}
	return true
}

func (n *fastNode) okMap(m map[string]any) bool {
	if n.types != 0 && n.types&tObject == 0 || len(n.enum) > 0 {
		return false
	}
	count := int64(0)
	for k, v := range m {
		child, known := n.props[k]
		switch {
		case known:
		case n.addl != nil:
			child = n.addl
		case n.addlAny:
			child = nil
		case n.root && (k == "apiVersion" || k == "kind"):
			child = nil
		case n.preserve:
			child = nil
		default:
			return false // an unknown field
		}
		if n.root && k == "metadata" && (child == nil || child.props == nil) {
			continue // fastMeta has checked it; pruning leaves root metadata alone
		}
		if v == nil && (child == nil || !child.nullable) {
			continue // dropped before validation
		}
		count++
		if !child.ok(v) {
			return false
		}
	}
	for _, r := range n.required {
		v, present := m[r]
		if !present {
			return false
		}
		if v == nil {
			if c := n.props[r]; c == nil || !c.nullable {
				return false
			}
		}
	}
	if n.minProps != nil && count < *n.minProps || n.maxProps != nil && int64(len(m)) > *n.maxProps {
		return false
	}
	return true
}

func (n *fastNode) okList(l []any) bool {
	if n.types != 0 && n.types&tArray == 0 || len(n.enum) > 0 {
		return false
	}
	if n.minItems != nil && int64(len(l)) < *n.minItems || n.maxItems != nil && int64(len(l)) > *n.maxItems {
		return false
	}
	for _, e := range l {
		if e == nil {
			return false // nulls in lists are not dropped; let the full path judge
		}
		if !n.items.ok(e) {
			return false
		}
	}
	switch n.listType {
	case "set":
		return uniqueScalars(l)
	case "map":
		return n.uniqueKeys(l)
	}
	return true
}

func uniqueScalars(l []any) bool {
	if len(l) < 2 {
		return true
	}
	seen := make(map[any]bool, len(l))
	for _, e := range l {
		switch e.(type) {
		case string, int64, bool:
		default:
			return false
		}
		if seen[e] {
			return false
		}
		seen[e] = true
	}
	return true
}

func (n *fastNode) uniqueKeys(l []any) bool {
	if len(l) < 2 {
		return true
	}
	seen := make(map[string]bool, len(l))
	var b strings.Builder
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return false
		}
		b.Reset()
		for _, k := range n.listKeys {
			v, ok := m[k]
			if !ok {
				v, ok = n.keyDefault[k]
			}
			if !ok {
				return false // an unspecified key: let the full path judge
			}
			switch t := v.(type) {
			case string:
				b.WriteString("s" + t)
			case int64:
				b.WriteString("i" + itoa(t))
			case bool:
				if t {
					b.WriteString("t")
				} else {
					b.WriteString("f")
				}
			default:
				return false
			}
			b.WriteByte(0)
		}
		k := b.String()
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

func itoa(i int64) string {
	var buf [24]byte
	pos := len(buf)
	neg := i < 0
	u := uint64(i)
	if neg {
		u = uint64(-i)
	}
	for u >= 10 {
		pos--
		buf[pos] = byte('0' + u%10)
		u /= 10
	}
	pos--
	buf[pos] = byte('0' + u)
	if neg {
		pos--
		buf[pos] = '-'
	}
	return string(buf[pos:])
}
