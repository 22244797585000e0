{ kubenix }:
{
  ok = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "x"; };
  b.c = throw "this is not ready";
}
