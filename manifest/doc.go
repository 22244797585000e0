// Package manifest owns the object model every stage shares (Object, its
// identity and origin), extraction from an evaluated tree, install order,
// canonical YAML, and writing result directories.
package manifest
