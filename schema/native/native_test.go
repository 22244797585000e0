package native

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/diag"
)

func object(t *testing.T, src string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string // "FIELD: message" of each error, in order
	}{
		{"valid deployment", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`, nil},
		{"container without image", `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec: {containers: [{name: web}]}
`, []string{"spec.containers[0].image: Required value"}},
		{"maxSurge abc", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxSurge: abc}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`, []string{`spec.strategy.rollingUpdate.maxSurge: Invalid value: "abc": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`}},
		{"cluster-scoped kind with a namespace is judged as the server stores it", `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r, namespace: default}
rules: [{verbs: [get], resources: [pods]}]
`, []string{"rules[0].apiGroups: Required value: resource rules must supply at least one api group"}},
		{"kind without a strategy", `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {containers: 3}
`, nil},
		{"rules that panic: an error of the object, as the server fails", `
apiVersion: batch/v1
kind: Job
metadata: {name: shards, namespace: default}
spec:
  completionMode: Indexed
  parallelism: 2
  successPolicy: {rules: [{succeededCount: 1}]}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox}]
`, []string{": Internal error: kube-apiserver's validation fails on this object (runtime error: invalid memory address or nil pointer dereference" +
			" in k8s.io/kubernetes/pkg/apis/batch/validation.validateSuccessPolicyRule), so the server refuses it without saying why"}},
		{"object that does not decode is left to the schema", `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec: {containers: "web"}
`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			obj := object(t, c.src)
			before := object(t, c.src)
			var got []string
			for _, e := range Errors(obj) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("errors:\n got %q\nwant %q", got, c.want)
			}
			if !reflect.DeepEqual(obj, before) {
				t.Errorf("the object was changed (defaults must not reach the output):\n%v", obj)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	d := func(field, reason, msg string) diag.Diagnostic {
		return diag.Diagnostic{Severity: diag.Error, Field: field, Reason: reason, Message: msg}
	}
	for _, c := range []struct {
		name           string
		schema, server diag.List
		verdict        *Verdict // when not made of server
		want           []string // "field reason"
	}{
		{"same field: once, in the server's words",
			diag.List{d("spec.ports[0].port", "FieldValueRequired", "Required value")},
			diag.List{d("spec.ports[0].port", "FieldValueInvalid", "Invalid value: 0: must be between 1 and 65535, inclusive")}, nil,
			[]string{"spec.ports[0].port FieldValueInvalid"}},
		{"same value and words at another path: at the field the user wrote",
			diag.List{d("spec.template.metadata.labels", "FieldValueInvalid", `Invalid value: "x/y/z": bad`)},
			diag.List{d("spec.template.labels", "FieldValueInvalid", `Invalid value: "x/y/z": bad`)}, nil,
			[]string{"spec.template.metadata.labels FieldValueInvalid"}},
		{"same reason on a field and its parent: the nearer one",
			diag.List{d("spec.strategy.type", "FieldValueNotSupported", `Unsupported value: "BlueGreen"`), d("spec.containers[1]", "FieldValueDuplicate", "Duplicate value")},
			diag.List{d("spec.strategy", "FieldValueNotSupported", "Unsupported value: {...}"), d("spec.containers[1].name", "FieldValueDuplicate", `Duplicate value: "web"`)}, nil,
			[]string{"spec.strategy.type FieldValueNotSupported", "spec.containers[1].name FieldValueDuplicate"}},
		{"a bare Required at one field does not hide another",
			diag.List{d("spec.containers[0].name", "FieldValueRequired", "Required value")},
			diag.List{d("spec.containers[0].name", "FieldValueRequired", "Required value"), d("spec.containers[0].image", "FieldValueRequired", "Required value")}, nil,
			[]string{"spec.containers[0].name FieldValueRequired", "spec.containers[0].image FieldValueRequired"}},
		{"unknown fields stand, and what the server alone sees",
			diag.List{d("spec.foo", "FieldValueUnknown", "unknown field")},
			diag.List{d("spec.replicas", "FieldValueInvalid", "Invalid value: -1")}, nil,
			[]string{"spec.foo FieldValueUnknown", "spec.replicas FieldValueInvalid"}},
		{"what the server accepts, kubenix accepts",
			diag.List{d("spec.concurrencyPolicy", "FieldValueNotSupported", `Unsupported value: ""`)},
			diag.List{}, nil,
			nil},
		{"no verdict: not a kind the server's rules know",
			diag.List{d("spec.size", "FieldValueInvalid", "Invalid value: 0")},
			nil, nil,
			[]string{"spec.size FieldValueInvalid"}},
		{"does not decode: the schema says why",
			diag.List{d("spec.replicas", "FieldValueTypeInvalid", "Invalid value: string")},
			nil, &Verdict{Undecodable: true, Diagnostics: diag.List{d("spec.replicas", "FieldValueTypeInvalid", "json: cannot unmarshal")}},
			[]string{"spec.replicas FieldValueTypeInvalid"}},
		{"does not decode, and the schema says nothing: the decoder says why",
			nil,
			nil, &Verdict{Undecodable: true, Diagnostics: diag.List{d("spec.minAvailable", "FieldValueTypeInvalid", "json: cannot unmarshal number 2147483648")}},
			[]string{"spec.minAvailable FieldValueTypeInvalid"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			v := c.verdict
			if v == nil && c.server != nil {
				v = &Verdict{Diagnostics: c.server}
			}
			for _, x := range Merge(c.schema, v) {
				got = append(got, x.Field+" "+x.Reason)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

// Version names the release go.mod links, which the README documents.
func TestVersionIsTheLinkedRelease(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "k8s.io/kubernetes" {
			if f[1] != "v"+Version {
				t.Errorf("go.mod links k8s.io/kubernetes %s, native.Version says %s", f[1], Version)
			}
			return
		}
	}
	t.Error("go.mod does not require k8s.io/kubernetes")
}
