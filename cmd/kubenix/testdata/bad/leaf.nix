{
  ns = { apiVersion = "v1"; kind = "Namespace"; metadata.name = "a"; };
  note = "remember to add the service";
}
