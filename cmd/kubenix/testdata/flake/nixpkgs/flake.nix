# A stand-in for nixpkgs in tests (nix_test.go): just enough of lib and
# pkgs for kubenix's flake.nix to evaluate. Derivations are plain attrsets
# that record their arguments.
{
  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
      hasPrefix = p: s: builtins.substring 0 (builtins.stringLength p) s == p;
      lib = {
        inherit genAttrs hasPrefix;
        cleanSource = src: src;
        cleanSourceWith = { src, filter }: { inherit src; filtered = filter (toString src + "/bin") "directory"; };
        removePrefix = p: s: if hasPrefix p s then builtins.substring (builtins.stringLength p) (-1) s else s;
        optionalString = c: s: if c then s else "";
      };
      pkgsFor = system:
        let
          pkgs = {
            inherit lib;
            stdenv = { hostPlatform = { inherit system; }; buildPlatform.canExecute = _: true; };
            callPackage = fn: args:
              let f = if builtins.isFunction fn then fn else import fn; in
              f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // args);
            runCommand = name: env: script: { stub = "runCommand"; inherit name env script; };
            mkShell = attrs: attrs // { stub = "mkShell"; };
            installShellFiles = { pname = "installShellFiles"; };
            go_1_26 = { pname = "go"; };
            nix = { pname = "nix"; };
            kubectl = { pname = "kubectl"; };
            kubernetes-helm = { pname = "helm"; };
            gnumake = { pname = "gnumake"; };
          };
        in
        pkgs;
    in
    { inherit lib; legacyPackages = genAttrs systems pkgsFor; };
}
