// Package objdiff answers "what will this change do to the cluster?": it
// matches the objects of two builds by identity, compares their canonical
// YAML line by line, and prints the changes (text, --stat, JSON). It also
// reads the sides of a comparison: result directories, .nix files, git revisions.
package objdiff
