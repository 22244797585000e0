// Package objdiff owns kubenix diff: reading its sides (results, manifests, .nix
// files, git revisions), matching objects by identity, the line diff, and its output.
package objdiff
