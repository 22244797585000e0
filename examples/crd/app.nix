# A build that defines a CRD and uses it: custom resources are validated
# against the CRD's schema at build time, and the result carries the CRDs
# once more in result/crds/ so they can be applied first:
#
#   kubenix build examples/crd/app.nix
#   kubenix apply                    # CRDs and Namespaces, wait, then the rest
#
# (One `kubectl apply -f result/` cannot do it: kubectl looks up the kind of
# every object before it applies any, and Backup does not exist yet.)
{ kubenix, group ? "shop.example.com" }:
let
  namespace = "shop";
in
{
  namespace = {
    apiVersion = "v1";
    kind = "Namespace";
    metadata.name = namespace;
  };

  crd = {
    apiVersion = "apiextensions.k8s.io/v1";
    kind = "CustomResourceDefinition";
    metadata.name = "backups.${group}";
    spec = {
      inherit group;
      names = { kind = "Backup"; plural = "backups"; singular = "backup"; listKind = "BackupList"; };
      scope = "Namespaced";
      versions = [{
        name = "v1";
        served = true;
        storage = true;
        schema.openAPIV3Schema = {
          type = "object";
          properties.spec = {
            type = "object";
            required = [ "schedule" "target" ];
            properties = {
              schedule = { type = "string"; description = "cron schedule"; };
              target = { type = "string"; pattern = "^[a-z0-9-]+$"; };
              keep = { type = "integer"; minimum = 1; default = 7; };
            };
          };
        };
      }];
    };
  };

  nightly = {
    apiVersion = "${group}/v1";
    kind = "Backup";
    metadata = { name = "nightly"; inherit namespace; };
    spec = { schedule = "0 3 * * *"; target = "orders-db"; keep = 14; };
  };
}
