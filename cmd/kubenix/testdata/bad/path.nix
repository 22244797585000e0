{
  cm = {
    apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "a";
    data.script = ./syntax.nix;
  };
}
