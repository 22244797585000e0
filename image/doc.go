// Package image pins container images: it finds image references in
// objects, gives Nix-built image archives a manifest digest (and pushes or
// serves them), pins third-party images by digest from kubenix.lock (and
// writes its image entries), and runs a read-only OCI registry over the
// images a result refers to.
package image
