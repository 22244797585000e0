// Package native validates objects of built-in kinds with the API server's
// own code, linked from k8s.io/kubernetes: what kube-apiserver runs on create.
package native

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"

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
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
)

// Version is the Kubernetes release whose validation code is linked in:
// --kube-version chooses the schemas, these rules are always this release's.
const Version = "1.37.2"

// placeholderUID stands for the UID the server gives a new object.
const placeholderUID = types.UID("00000000-0000-0000-0000-000000000000")

// Validate checks every object whose kind the target version serves as a
// built-in kind, as the API server validates a create: decode the versioned
// object, default a copy, convert it to the internal type, and run the
// kind's registry strategy (PrepareForCreate, then Validate and the
// declarative rules), with the feature gates at their defaults. Objects the
// strategies do not know, and objects that do not decode (the schema
// reports why), get no diagnostics. It runs on all cores and reports in
// object order.
func Validate(set *schema.Set, objs []*manifest.Object) []diag.List {
	results := make([]diag.List, len(objs))
	next := make(chan int, len(objs))
	for i, o := range objs {
		if t, ok := set.Lookup(o.APIVersion, o.Kind); ok && t.CRD == nil {
			next <- i
		}
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(objs)/32)) {
		wg.Go(func() {
			for i := range next {
				o := objs[i]
				for _, e := range Errors(o.Body) {
					results[i] = append(results[i], schema.FieldDiagnostic(o, e, diag.Error))
				}
			}
		})
	}
	wg.Wait()
	return results
}

// Errors runs the create validation of one object, given as its JSON tree
// (which it does not change). It returns nil for kinds it does not know and
// for objects that do not decode.
func Errors(obj map[string]any) (errs field.ErrorList) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, err := k8sschema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil
	}
	gvk := gv.WithKind(kind)
	strategy, ok := strategies[gvk.GroupKind()]
	if !ok || !legacyscheme.Scheme.Recognizes(gvk) {
		return nil
	}
	versioned, err := decode(obj, gvk)
	if err != nil {
		return nil
	}
	legacyscheme.Scheme.Default(versioned)
	internal, err := legacyscheme.Scheme.ConvertToVersion(versioned, k8sschema.GroupVersion{Group: gvk.Group, Version: k8sruntime.APIVersionInternal})
	if err != nil {
		return nil
	}
	m, err := meta.Accessor(internal)
	if err != nil {
		return nil
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
		// Code written for the server's request path may assume what a
		// request carries; a panic there means no verdict, not a crash.
		if r := recover(); r != nil {
			errs = nil
		}
	}()
	strategy.PrepareForCreate(ctx, internal)
	return rest.ValidateCreate(ctx, internal, strategy)
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

// Merge adds the server's diagnostics of one object to the schema's, so
// that a problem both see is reported once: in the server's words when both
// report the same field; at the schema's field when both say the same thing
// (the server names a few fields by their internal path); and of the same
// reason on a field and on its parent, the one nearer the mistake.
func Merge(fromSchema, fromServer diag.List) diag.List {
	keep := make([]bool, len(fromServer))
	for i := range keep {
		keep[i] = true
	}
	same := func(d diag.Diagnostic) bool {
		found := false
		for i, n := range fromServer {
			if sameValue(d, n) {
				// The server names some fields by their internal path
				// (spec.template.labels); the schema names what was written.
				keep[i], found = false, true
			}
		}
		return found
	}
	var out diag.List
	for _, d := range fromSchema {
		if d.Severity != diag.Error || d.Field == "" || same(d) {
			out = append(out, d)
			continue
		}
		dup := false
		for i, n := range fromServer {
			switch {
			case n.Field == d.Field:
				dup = true
			case n.Reason == d.Reason && within(d.Field, n.Field):
				keep[i] = false
			case n.Reason == d.Reason && within(n.Field, d.Field):
				dup = true
			}
		}
		if !dup {
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
