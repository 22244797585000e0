// Package native validates objects of built-in kinds with the API server's
// own code, linked from k8s.io/kubernetes: what kube-apiserver runs on create.
package native

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	sigsjson "sigs.k8s.io/json"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/parallel"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
)

// Version is the Kubernetes release whose validation code is linked in:
// --kube-version chooses the schemas and the feature gates' defaults (see
// withGatesOf); the rules' code is always this release's.
const Version = "1.37.2"

// placeholderUID stands for the UID the server gives a new object.
const placeholderUID = types.UID("00000000-0000-0000-0000-000000000000")

// Verdict is what the server's rules say of one object.
type Verdict struct {
	// Diagnostics are the server's errors.
	Diagnostics diag.List
	// Undecodable: the object is not of its kind's Go types (a value of
	// the wrong type, a number out of range); its one diagnostic says
	// where, as the server's decoder does.
	Undecodable bool
}

// Validate checks every object whose kind the target version serves as a
// built-in kind, as the API server validates a create: decode the versioned
// object, default a copy, convert it to the internal type, and run the
// kind's registry strategy (PrepareForCreate, then Validate and the
// declarative rules), with the feature gates at their defaults in the
// set's Kubernetes version (see withGatesOf). The verdict
// is nil for objects of kinds whose strategies are not linked. It runs on
// all cores and reports in object order.
func Validate(set *schema.Set, objs []*manifest.Object) []*Verdict {
	results := make([]*Verdict, len(objs))
	var builtin []int
	for i, o := range objs {
		if t, ok := set.Lookup(o.APIVersion, o.Kind); ok && t.CRD == nil {
			builtin = append(builtin, i)
		}
	}
	withGatesOf(set.KubernetesVersion(), func() {
		parallel.Each(builtin, 32, func(i int) {
			o := objs[i]
			errs, known, decodeErr := check(o.Body)
			if !known {
				return
			}
			v := &Verdict{Undecodable: decodeErr != nil}
			if decodeErr != nil {
				errs = field.ErrorList{decodeError(o.Body, decodeErr)}
			}
			for _, e := range errs {
				v.Diagnostics = append(v.Diagnostics, schema.FieldDiagnostic(o, e, diag.Error))
			}
			results[i] = v
		})
	})
	return results
}

// Errors runs the create validation of one object, given as its JSON tree
// (which it does not change), with the linked release's feature gates. It returns nil for kinds it does not know and
// for objects that do not decode.
func Errors(obj map[string]any) (errs field.ErrorList) {
	withGatesOf("", func() { errs, _, _ = check(obj) })
	return errs
}

func check(obj map[string]any) (errs field.ErrorList, known bool, decodeErr error) {
	gvk, ok := objectKind(obj)
	if !ok {
		return nil, false, nil
	}
	strategy, ok := strategies[gvk.GroupKind()]
	if !ok || !legacyscheme.Scheme.Recognizes(gvk) {
		return nil, false, nil
	}
	versioned, err := decode(obj, gvk)
	if err != nil {
		return nil, true, err
	}
	legacyscheme.Scheme.Default(versioned)
	internal, err := legacyscheme.Scheme.ConvertToVersion(versioned, k8sschema.GroupVersion{Group: gvk.Group, Version: k8sruntime.APIVersionInternal})
	if err != nil {
		return nil, false, nil
	}
	m, err := meta.Accessor(internal)
	if err != nil {
		return nil, false, nil
	}
	// The request's namespace is the object's. The server clears the
	// namespace of a cluster-scoped object before validating it (kubenix
	// reports it apart, see schema), and gives a namespaced one the
	// request's.
	switch {
	case !strategy.NamespaceScoped():
		m.SetNamespace("")
	case m.GetNamespace() == "":
		m.SetNamespace(metav1.NamespaceDefault)
	}
	// What the server fills in before it validates (a Job's generated
	// selector names the UID), fixed so that messages are the same each run.
	m.SetUID(placeholderUID)
	m.SetCreationTimestamp(metav1.Unix(0, 0))
	ctx := genericapirequest.WithNamespace(context.Background(), m.GetNamespace())
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{IsResourceRequest: true, Verb: "create",
		APIGroup: gvk.Group, APIVersion: gvk.Version, Namespace: m.GetNamespace(), Name: m.GetName()})
	defer func() {
		// The server's rules can panic on an object they should refuse
		// (1.36 and 1.37 dereference a missing spec.completions of an
		// Indexed Job with a successPolicy); kube-apiserver then fails the
		// request, so the object cannot be created. kubenix says so, at
		// the object, rather than crash or accept it.
		if r := recover(); r != nil {
			errs, known = field.ErrorList{rulesPanic(r)}, true
		}
	}()
	strategy.PrepareForCreate(ctx, internal)
	return rest.ValidateCreate(ctx, internal, strategy), true, nil
}

// rulesPanic is the error for a panic in the server's rules: what it was
// and in which function of the server, for a report upstream.
func rulesPanic(r any) *field.Error {
	where := ""
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "k8s.io/kubernetes/") {
			where = " in " + f.Function
			break
		}
		if !more {
			break
		}
	}
	// Of the whole object: the panic names no field.
	return &field.Error{Type: field.ErrorTypeInternal, BadValue: field.OmitValueType{},
		Detail: fmt.Sprintf("kube-apiserver's validation fails on this object (%v%s), so the server refuses it without saying why", r, where)}
}

// decodeError names the field the decoder stumbled on. The server's decoder
// keeps its error type internal; the standard library's fails at the same
// place and says where.
func decodeError(obj map[string]any, err error) *field.Error {
	f := ""
	if gvk, ok := objectKind(obj); ok {
		if out, nerr := legacyscheme.Scheme.New(gvk); nerr == nil {
			b, _ := json.Marshal(obj)
			var terr *json.UnmarshalTypeError
			if errors.As(json.Unmarshal(b, out), &terr) {
				f = terr.Field
			}
		}
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	return &field.Error{Type: field.ErrorTypeTypeInvalid, Field: f, BadValue: field.OmitValueType{}, Detail: err.Error()}
}

func objectKind(obj map[string]any) (k8sschema.GroupVersionKind, bool) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := k8sschema.ParseGroupVersion(apiVersion)
	return gv.WithKind(kind), err == nil
}

// decode decodes as the API server does: JSON, field names case-sensitive,
// integers kept as integers.
func decode(obj map[string]any, gvk k8sschema.GroupVersionKind) (k8sruntime.Object, error) {
	out, err := legacyscheme.Scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(b, out); err != nil {
		return nil, fmt.Errorf("decode %s: %w", gvk, err)
	}
	return out, nil
}

// Merge joins the schema's diagnostics of one object and the server's
// verdict on it, so that kubenix rejects what the server rejects and no
// more, and reports each problem once. Without a verdict (not a built-in
// kind) the schema's stand. When the object does not decode, the schema
// says why if it can, else the decoder. Otherwise a schema error stands
// only where the server sees a problem too (the server defaults what the
// schema would call empty: a CronJob's concurrencyPolicy "", a port's
// protocol), for what the server refuses before its rules run (unknown
// fields), and for a namespace on a cluster-scoped object; of a problem both see, kubenix reports the server's words when
// both name the same field, the schema's field when both say the same thing
// (the server names a few fields by their internal path), and of the same
// reason on a field and on its parent, the one nearer the mistake.
func Merge(fromSchema diag.List, v *Verdict) diag.List {
	if v == nil {
		return fromSchema
	}
	if v.Undecodable {
		if fromSchema.HasErrors() {
			return fromSchema
		}
		return append(slices.Clone(fromSchema), v.Diagnostics...)
	}
	fromServer := v.Diagnostics
	keep := make([]bool, len(fromServer))
	for i := range keep {
		keep[i] = true
	}
	var out diag.List
	for _, d := range fromSchema {
		if d.Severity != diag.Error || d.Reason == schema.ReasonUnknownField || namespaceOnClusterScoped(d) {
			out = append(out, d)
			continue
		}
		same := false
		for i, n := range fromServer {
			if sameValue(d, n) {
				keep[i], same = false, true
			}
		}
		if same {
			out = append(out, d)
			continue
		}
		seen, dup := false, false
		for i, n := range fromServer {
			switch {
			case n.Field == d.Field:
				seen, dup = true, true
			case n.Reason == d.Reason && within(d.Field, n.Field):
				keep[i], seen = false, true
			case n.Reason == d.Reason && within(n.Field, d.Field):
				seen, dup = true, true
			}
		}
		if seen && !dup {
			out = append(out, d)
		}
	}
	for i, n := range fromServer {
		if keep[i] {
			out = append(out, n)
		}
	}
	return out
}

// namespaceOnClusterScoped: the server drops the namespace of a
// cluster-scoped object without a word; kubenix refuses it on purpose, so
// that the manifest says what the cluster holds.
func namespaceOnClusterScoped(d diag.Diagnostic) bool {
	return d.Field == "metadata.namespace" && d.Reason == string(field.ErrorTypeForbidden)
}

// sameValue reports whether two diagnostics reject the same value of the
// same-named field for the same reason, in the same words.
func sameValue(a, b diag.Diagnostic) bool {
	switch field.ErrorType(a.Reason) {
	case field.ErrorTypeInvalid, field.ErrorTypeNotSupported, field.ErrorTypeDuplicate:
	default:
		return false // no value in the message: "Required value" says nothing of which
	}
	return a.Reason == b.Reason && a.Message == b.Message && lastName(a.Field) == lastName(b.Field)
}

func lastName(f string) string {
	return f[strings.LastIndexAny(f, ".]")+1:]
}

// within reports whether field path f lies inside field path parent.
func within(f, parent string) bool {
	return strings.HasPrefix(f, parent) && len(f) > len(parent) && (f[len(parent)] == '.' || f[len(parent)] == '[')
}
