# kubenix as a flake: the package, an app, a development shell, an overlay,
# and lib.manifests, which turns a kubenix app into a flake output holding
# its manifest directory. See README.md, "Install with Nix" and
# "Manifests as a flake output".
#
# No flake.lock is committed: it could not be generated where kubenix is
# developed (no access to GitHub); `nix flake lock` writes one.
{
  description = "kubenix: a manifest compiler, Nix expressions in, Kubernetes manifests out";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    gomod2nix.url = "github:nix-community/gomod2nix";
    gomod2nix.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { self, nixpkgs, gomod2nix }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});
      version = self.shortRev or "dirty";
      commit = self.rev or "";
      kubenixFor = pkgs: buildGoApplication: pkgs.callPackage ./nix/package.nix {
        inherit buildGoApplication version commit;
      };
    in
    {
      packages = forAllSystems (system: pkgs:
        let kubenix = kubenixFor pkgs gomod2nix.legacyPackages.${system}.buildGoApplication; in
        { inherit kubenix; default = kubenix; });

      apps = forAllSystems (system: pkgs: {
        default = { type = "app"; program = "${self.packages.${system}.default}/bin/kubenix"; };
      });

      devShells = forAllSystems (system: pkgs: {
        default = pkgs.mkShell {
          packages = [ (pkgs.go_1_26 or pkgs.go) pkgs.nix pkgs.kubectl pkgs.kubernetes-helm pkgs.gnumake ];
          GOTOOLCHAIN = "local";
        };
      });

      # pkgs.kubenix, built with the overlay's own nixpkgs (and its
      # buildGoApplication when gomod2nix's overlay is applied too).
      overlays.default = final: prev: {
        kubenix = kubenixFor final (final.buildGoApplication
          or gomod2nix.legacyPackages.${final.stdenv.hostPlatform.system}.buildGoApplication);
      };

      # kubenix.lib.manifests { pkgs; app = ./app.nix; ... }: the manifest
      # directory of an app, as a derivation (nix/lib.nix).
      lib = import ./nix/lib.nix {
        inherit version;
        packageFor = pkgs: self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      };

      # nix flake check builds kubenix and the examples' manifests.
      checks = forAllSystems (system: pkgs:
        let manifests = app: args: self.lib.manifests { inherit pkgs app args; }; in
        {
          package = self.packages.${system}.default;
          hello = manifests ./examples/hello/app.nix { };
          multi-file = manifests ./examples/multi-file/app.nix { };
          params-prod = manifests ./examples/params/app.nix { env = "prod"; replicas = 5; };
        });
    };
}
