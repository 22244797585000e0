{
  one = { apiVersion = "v1"; kind = "ConfigMap"; metadata = { name = "x"; namespace = "a"; }; };
  two = [
    { apiVersion = "v1"; kind = "ConfigMap"; metadata = { name = "x"; namespace = "a"; }; }
  ];
}
