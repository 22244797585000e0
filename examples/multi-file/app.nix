# An app split over several files: a small function library of our own
# (lib/k8s.nix) and one file per component. Plain Nix imports and functions,
# no module system.
{ kubenix }:
let
  k8s = import ./lib/k8s.nix;
  namespace = "shop";
  common = { inherit namespace; labels = { "app.kubernetes.io/part-of" = "shop"; }; };
in
{
  namespace = k8s.namespace namespace;
  api = import ./components/api.nix { inherit k8s common; };
  worker = import ./components/worker.nix { inherit k8s common; };
  # Every object of the app gets the team label; an object's own labels win.
  shared = kubenix.withLabels { team = "checkout"; } {
    config = k8s.configMap (common // {
      name = "shop-config";
      data = { LOG_LEVEL = "info"; FEATURE_FLAGS = "on"; };
    });
  };
}
