// Package helmwrap renders Helm charts in-process with the Helm v3 SDK, as
// `helm template` would, for Nix code that calls kubenix.helm.chart (through
// package nixcall), with offline values schema validation, and pinned remote
// charts (repositories and OCI).
package helmwrap
