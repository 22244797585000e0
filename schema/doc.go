// Package schema knows the Kubernetes API: the embedded OpenAPI schemas of
// several Kubernetes versions and the CRDs of a build, the type index (kind,
// scope, plural, short names), validation with the API server's own
// machinery, API deprecations, and explain.
package schema

//go:generate go run ./gen -o data/kubernetes.zip
