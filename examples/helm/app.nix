# A Helm chart as Nix values: render it, then patch, drop and add objects
# with plain Nix before anything reaches the output.
#
#   kubenix build examples/helm/app.nix
{ kubenix }:
let
  namespace = "store";

  # The chart's objects: a list of attrsets, like any other Nix value.
  webapp = kubenix.helm.chart {
    chart = ./charts/webapp;
    name = "storefront";
    inherit namespace;
    values = {
      replicaCount = 2;
      image.tag = "3.1.2";
      serviceAccount.create = false;
      ingress = { enabled = true; host = "shop.example.com"; };
      resources.requests = { cpu = "100m"; memory = "128Mi"; };
    };
  };

  isKind = kind: o: o.kind == kind;

  # Patch the chart's Deployment: a rollout strategy the chart does not expose.
  patched = map
    (o: if isKind "Deployment" o then
      kubenix.recursiveUpdate o {
        spec.strategy = { type = "RollingUpdate"; rollingUpdate = { maxSurge = 1; maxUnavailable = 0; }; };
        spec.template.metadata.annotations."example.com/patched-by" = "kubenix";
      }
    else o)
    webapp;
in
{
  namespace = { apiVersion = "v1"; kind = "Namespace"; metadata.name = namespace; };

  # Drop the chart's Service and expose the app our own way.
  webapp = builtins.filter (o: !(isKind "Service" o)) patched;

  service = {
    apiVersion = "v1";
    kind = "Service";
    metadata = { name = "storefront"; inherit namespace; };
    spec = {
      type = "NodePort";
      selector."app.kubernetes.io/instance" = "storefront";
      ports = [{ name = "http"; port = 80; targetPort = "http"; nodePort = 30080; }];
    };
  };
}
