// Package manifest owns the object model every stage shares (Object, its
// identity and origin, CRD identity, the default namespace), extraction
// from an evaluated tree, reading manifest files and --crd, install order,
// duplicates, canonical YAML, and writing result directories.
package manifest
