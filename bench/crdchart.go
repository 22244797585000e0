package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeCRDChart writes, under dir, a chart shaped like kube-prometheus-stack
// as far as rendering cost goes: a few templates and about size bytes of
// CRDs in crds/ (several CRDs per file, deep schemas with long
// descriptions). It is generated at bench time, never committed.
func writeCRDChart(dir string, size int) (string, error) {
	chart := filepath.Join(dir, "crd-heavy")
	for _, d := range []string{"templates", "crds"} {
		if err := os.MkdirAll(filepath.Join(chart, d), 0o755); err != nil {
			return "", err
		}
	}
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: crd-heavy\nversion: 0.1.0\n",
		"values.yaml": "replicas: 2\n",
		"templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-operator
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: operator}
  template:
    metadata:
      labels: {app: operator}
    spec:
      containers:
        - name: operator
          image: example.com/operator:1.0
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(chart, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	desc := strings.Repeat("Describes what this field configures and how the operator reads it. ", 4)
	var field func(b *strings.Builder, indent string, depth int)
	field = func(b *strings.Builder, indent string, depth int) {
		fmt.Fprintf(b, "%sdescription: %s\n", indent, desc)
		if depth == 0 {
			fmt.Fprintf(b, "%stype: string\n", indent)
			return
		}
		fmt.Fprintf(b, "%stype: object\n%sproperties:\n", indent, indent)
		for i := range 4 {
			fmt.Fprintf(b, "%s  field%d:\n", indent, i)
			field(b, indent+"    ", depth-1)
		}
	}
	written, n := 0, 0
	for file := 0; written < size; file++ {
		var b strings.Builder
		for range 4 {
			kind := fmt.Sprintf("Thing%d", n)
			plural := strings.ToLower(kind) + "s"
			fmt.Fprintf(&b, "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: %s.monitoring.example.com\n", plural)
			fmt.Fprintf(&b, "spec:\n  group: monitoring.example.com\n  names: {kind: %s, plural: %s, singular: %s, listKind: %sList}\n  scope: Namespaced\n", kind, plural, strings.ToLower(kind), kind)
			b.WriteString("  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n")
			field(&b, "              ", 4)
			n++
		}
		written += b.Len()
		if err := os.WriteFile(filepath.Join(chart, "crds", fmt.Sprintf("crds-%d.yaml", file)), []byte(b.String()), 0o644); err != nil {
			return "", err
		}
	}
	return chart, nil
}
