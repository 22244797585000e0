// Package nixstore speaks the Nix store's formats without a Nix library:
// NAR serialisation, Nix base32, store path computation, and finding the
// nix-store command and adding paths and GC roots through it.
package nixstore
