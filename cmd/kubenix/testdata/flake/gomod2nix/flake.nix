# A stand-in for github:nix-community/gomod2nix in tests: buildGoApplication
# returns a package-like attrset holding its arguments.
{
  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      stub = {
        buildGoApplication = attrs: { outPath = "/stub/kubenix-${attrs.version}"; inherit attrs; };
      };
    in
    { legacyPackages = builtins.listToAttrs (map (s: { name = s; value = stub; }) systems); };
}
