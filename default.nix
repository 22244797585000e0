# kubenix for Nix without flakes:
#
#   nix-build                    # ./result/bin/kubenix
#   nix-env -if .                # install it
#   (import ./. { }).lib.manifests { pkgs = import <nixpkgs> { }; app = ./app.nix; }
#
# buildGoApplication comes from pkgs when gomod2nix's overlay is applied,
# else from the gomod2nix source given (by default a tarball of its master
# branch, fetched at evaluation time; pin it for reproducible builds).
{ pkgs ? import <nixpkgs> { }
, gomod2nix ? builtins.fetchTarball "https://github.com/nix-community/gomod2nix/archive/master.tar.gz"
, version ? "dev"
}:
let
  buildGoApplication = pkgs.buildGoApplication
    or (pkgs.callPackage "${gomod2nix}/builder" { gomod2nix = null; }).buildGoApplication;
  kubenix = pkgs.callPackage ./nix/package.nix { inherit buildGoApplication version; };
in
kubenix // {
  lib = import ./nix/lib.nix { inherit version; packageFor = _: kubenix; };
}
