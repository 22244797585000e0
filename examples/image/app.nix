# An app whose image is built by Nix.
#
#   kubenix build examples/image/app.nix
#     the Deployment runs localhost:5000/shop/motd:<store hash of the image>;
#     nothing is built but the manifests.
#   kubenix build examples/image/app.nix --images build
#     builds the image too and pins the reference by digest as well:
#     localhost:5000/shop/motd:<store hash>@sha256:...
#   kubenix images push examples/image/app.nix --registry registry.example.com
#   kubenix registry serve result          (serves the images of ./result)
#
# The registry is localhost:5000 unless --image-registry (or
# kubenix.image { drv; registry = ...; }) says otherwise.
{ kubenix }:
let
  labels = { app = "motd"; };
in
{
  namespace = {
    apiVersion = "v1";
    kind = "Namespace";
    metadata.name = "shop";
  };

  deployment = {
    apiVersion = "apps/v1";
    kind = "Deployment";
    metadata = { name = "motd"; namespace = "shop"; inherit labels; };
    spec = {
      selector.matchLabels = labels;
      template = {
        metadata.labels = labels;
        spec.containers = [{
          name = "motd";
          # A path to a .nix file is imported; a derivation works as well.
          image = kubenix.image ./image.nix;
          resources.limits = { cpu = "50m"; memory = "16Mi"; };
        }];
      };
    };
  };
}
