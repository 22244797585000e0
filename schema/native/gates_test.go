package native

import (
	"strings"
	"testing"

	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
)

// The rules run with the feature gates of the target version: what a
// kube-apiserver of that version says (checked against 1.36 and 1.37 by
// make difftest).
func TestFeatureGatesOfTheTargetVersion(t *testing.T) {
	hpa := `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 0
  maxReplicas: 3
  metrics:
  - type: Object
    object:
      describedObject: {apiVersion: v1, kind: Service, name: web}
      metric: {name: rps}
      target: {type: Value, value: "10"}
`
	sts := `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, namespace: default}
spec:
  serviceName: s
  selector: {matchLabels: {app: s}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0}}
  template:
    metadata: {labels: {app: s}}
    spec: {containers: [{name: c, image: nginx}]}
`
	for _, c := range []struct {
		name, version, src string
		want               string // the errors, "; "-joined
	}{
		// HPAScaleToZero is on by default from 1.37.
		{"HPA minReplicas 0 in 1.37", "1.37", hpa, ""},
		{"HPA minReplicas 0 in 1.36", "1.36", hpa, "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"},
		{"HPA minReplicas 0 in 1.31: the oldest gates emulated, 1.34's", "1.31", hpa, "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"},
		// MaxUnavailableStatefulSet: before 1.37 the server drops the field.
		{"StatefulSet maxUnavailable 0 in 1.37", "1.37", sts, "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"},
		{"StatefulSet maxUnavailable 0 in 1.36", "1.36", sts, ""},
		// And back: a run for one version leaves nothing behind.
		{"HPA minReplicas 0 in 1.37 again", "1.37", hpa, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, err := schema.NewSet(c.version)
			if err != nil {
				t.Fatal(err)
			}
			body := object(t, c.src)
			o := &manifest.Object{APIVersion: body["apiVersion"].(string), Kind: body["kind"].(string), Namespace: "default", Body: body}
			v := Validate(set, []*manifest.Object{o})[0]
			if v == nil {
				t.Fatal("no verdict")
			}
			var got []string
			for _, d := range v.Diagnostics {
				got = append(got, d.Field+": "+d.Message)
			}
			if strings.Join(got, "; ") != c.want {
				t.Errorf("got %q\nwant %q", strings.Join(got, "; "), c.want)
			}
		})
	}
	if errs := Errors(object(t, hpa)); len(errs) != 0 {
		t.Errorf("Errors runs the linked release's gates; got %v", errs)
	}
}
