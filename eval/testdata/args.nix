{ kubenix, env ? "dev", replicas ? 1, flag }:
{
  cm = {
    apiVersion = "v1";
    kind = "ConfigMap";
    metadata.name = "settings-${env}";
    data = { inherit env; replicas = toString replicas; flag = if flag then "on" else "off"; version = kubenix.version; };
  };
}
