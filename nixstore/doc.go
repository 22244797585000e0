// Package nixstore speaks the Nix store's formats without a Nix library:
// NAR serialisation, Nix base32, store path computation, and adding paths and GC roots
// through the nix-store command.
package nixstore
