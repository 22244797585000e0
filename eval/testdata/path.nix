{
  cm = { apiVersion = "v1"; kind = "ConfigMap"; metadata.name = "a"; data.p = ./syntax.nix; };
}
