// Package eval runs the real Nix evaluator on a user's file through kubenix's
// embedded Nix library, and turns Nix's failures into diagnostics with positions.
package eval
