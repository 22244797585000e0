[
  { apiVersion = "v1"; kind = "Namespace"; metadata.name = "a"; }
  (import ./helper.nix "b")
]
