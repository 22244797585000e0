{ kubenix }:
{
  ok = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "x"; };
  later = throw "not implemented yet";
}
