package main

import (
	"fmt"
	"time"

	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/schema/native"
)

// benchCRD defines two custom resources: Widget (schema only) and Gadget
// (schema and a CEL rule, which always takes the API server's full path).
const benchCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.bench.example.com}
spec:
  group: bench.example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 100}
              color: {type: string, enum: [red, green, blue]}
              tags: {type: array, x-kubernetes-list-type: set, items: {type: string, maxLength: 32}, maxItems: 8}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.bench.example.com}
spec:
  group: bench.example.com
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: "self.min <= self.max"
            properties:
              min: {type: integer}
              max: {type: integer}
`

// mixedObjects generates n objects: Deployments, Services, ConfigMaps,
// Secrets, Ingresses, CronJobs and the two custom resources, in turn.
func mixedObjects(n int) []*manifest.Object {
	objs := make([]*manifest.Object, 0, n)
	for i := 0; len(objs) < n; i++ {
		name := fmt.Sprintf("obj-%05d", i)
		meta := func() map[string]any {
			return map[string]any{"name": name, "namespace": "bench", "labels": map[string]any{"app": name}}
		}
		bodies := []map[string]any{
			{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(), "spec": map[string]any{
				"replicas": int64(2), "selector": map[string]any{"matchLabels": map[string]any{"app": name}},
				"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}},
					"spec": map[string]any{"containers": []any{map[string]any{
						"name": "app", "image": "registry.example.com/app:1.0",
						"ports":     []any{map[string]any{"name": "http", "containerPort": int64(8080)}},
						"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "64Mi"}},
						"env":       []any{map[string]any{"name": "MODE", "value": "prod"}},
					}}}}}},
			{"apiVersion": "v1", "kind": "Service", "metadata": meta(), "spec": map[string]any{
				"selector": map[string]any{"app": name}, "ports": []any{map[string]any{"name": "http", "port": int64(80), "targetPort": "http"}}}},
			{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(), "data": map[string]any{"LOG": "info", "UNIT": name}},
			{"apiVersion": "v1", "kind": "Secret", "metadata": meta(), "type": "Opaque", "data": map[string]any{"token": "aHVudGVyMg=="}},
			{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(), "spec": map[string]any{
				"rules": []any{map[string]any{"host": name + ".example.com", "http": map[string]any{"paths": []any{map[string]any{
					"path": "/", "pathType": "Prefix", "backend": map[string]any{"service": map[string]any{"name": name, "port": map[string]any{"number": int64(80)}}}}}}}}}},
			{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta(), "spec": map[string]any{
				"schedule": "0 3 * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
					"restartPolicy": "OnFailure", "containers": []any{map[string]any{"name": "job", "image": "busybox"}}}}}}}},
			{"apiVersion": "bench.example.com/v1", "kind": "Widget", "metadata": meta(), "spec": map[string]any{
				"size": int64(3), "color": "green", "tags": []any{"a", "b"}}},
			{"apiVersion": "bench.example.com/v1", "kind": "Gadget", "metadata": meta(), "spec": map[string]any{"min": int64(1), "max": int64(5)}},
		}
		for _, b := range bodies {
			if len(objs) == n {
				break
			}
			m := b["metadata"].(map[string]any)
			objs = append(objs, &manifest.Object{APIVersion: b["apiVersion"].(string), Kind: b["kind"].(string),
				Name: m["name"].(string), Namespace: "bench", Body: b})
		}
	}
	return objs
}

// validationThroughput validates n mixed objects on one core (one
// goroutine), with and without the API server's own rules for built-in
// kinds (schema/native), and on all cores with them, and returns objects
// per second for each.
func validationThroughput(n int) (oneCore, schemaOnly, allCores float64, err error) {
	set, err := schema.NewSet("")
	if err != nil {
		return 0, 0, 0, err
	}
	crds, diags := manifest.Read("bench-crds.yaml", []byte(benchCRD))
	if diags.HasErrors() {
		return 0, 0, 0, diags.Err()
	}
	set = set.With(crds)
	objs := mixedObjects(n)
	// Compile every type first, as a build would for its first objects.
	for _, o := range objs[:8] {
		set.ValidateObject(o, schema.Options{})
		native.Errors(o.Body)
	}
	start := time.Now()
	for _, o := range objs {
		if l := set.ValidateObject(o, schema.Options{}); l.HasErrors() {
			return 0, 0, 0, fmt.Errorf("%s: %v", o.ID(), l.Err())
		}
	}
	schemaOnly = float64(n) / time.Since(start).Seconds()
	start = time.Now()
	for _, o := range objs {
		l := set.ValidateObject(o, schema.Options{})
		if errs := native.Errors(o.Body); l.HasErrors() || len(errs) > 0 {
			return 0, 0, 0, fmt.Errorf("%s: %v %v", o.ID(), l.Err(), errs)
		}
	}
	oneCore = float64(n) / time.Since(start).Seconds()
	start = time.Now()
	builtin := native.Validate(set, objs)
	for i, l := range set.ValidateAll(objs, schema.Options{}) {
		if l = native.Merge(l, builtin[i]); l.HasErrors() {
			return 0, 0, 0, l.Err()
		}
	}
	allCores = float64(n) / time.Since(start).Seconds()
	return oneCore, schemaOnly, allCores, nil
}
