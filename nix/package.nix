# The kubenix package: gomod2nix's buildGoApplication over this repository,
# with the module hashes of gomod2nix.toml (`make gomod2nix` rewrites it).
# flake.nix and default.nix call it.
{ lib
, stdenv
, buildGoApplication
, installShellFiles
, version ? "dev"
, commit ? ""
}:
buildGoApplication {
  pname = "kubenix";
  inherit version;
  # The repository without what builds leave in it.
  src = lib.cleanSourceWith {
    src = lib.cleanSource ../.;
    filter = path: type:
      let rel = lib.removePrefix (toString ../. + "/") (toString path); in
      !(rel == "bin" || lib.hasPrefix "result" rel);
  };
  pwd = ../.;
  modules = ../gomod2nix.toml;
  subPackages = [ "cmd/kubenix" ];
  ldflags = [
    "-s"
    "-w"
    "-X github.com/kubenix/kubenix/version.Version=${version}"
    "-X github.com/kubenix/kubenix/version.Commit=${commit}"
  ];
  # The test suite evaluates and builds with a real Nix store, which a build
  # sandbox does not have; `make test` (CI) runs it.
  doCheck = false;
  nativeBuildInputs = [ installShellFiles ];
  postInstall = lib.optionalString (stdenv.buildPlatform.canExecute stdenv.hostPlatform) ''
    installShellCompletion --cmd kubenix \
      --bash <($out/bin/kubenix completion bash) \
      --zsh <($out/bin/kubenix completion zsh) \
      --fish <($out/bin/kubenix completion fish)
  '';
  meta = {
    description = "Manifest compiler: Nix expressions in, Kubernetes manifests out";
    mainProgram = "kubenix";
  };
}
