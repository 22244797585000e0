{ kubenix }:
let
  labels = { app = "web"; };
in
{
  deployment = {
    apiVersion = "apps/v1";
    kind = "Deployment";
    metadata.name = "web";
    spec = {
      replicas = "two";
      selector.matchLabels = labels;
      template = {
        metadata.labels = labels;
        spec.containers = {
          web = {
            image = "nginx:1.27";
            imagePullPolicy = "Sometimes";
            resources.requests.cpu = "lots";
          };
        };
      };
    };
  };
  service = import ./service.nix { inherit labels; };
}
