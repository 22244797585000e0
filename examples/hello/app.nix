# The smallest useful app: a Namespace, a Deployment and a Service.
#
#   kubenix build examples/hello/app.nix && kubectl apply -f result/
{ kubenix }:
let
  name = "hello";
  namespace = "hello";
  labels = { app = name; };
in
{
  namespace = {
    apiVersion = "v1";
    kind = "Namespace";
    metadata.name = namespace;
  };

  deployment = {
    apiVersion = "apps/v1";
    kind = "Deployment";
    metadata = { inherit name namespace labels; };
    spec = {
      replicas = 2;
      selector.matchLabels = labels;
      template = {
        metadata.labels = labels;
        spec.containers = [{
          name = "web";
          image = "nginx:1.27";
          ports = [{ name = "http"; containerPort = 80; }];
          readinessProbe.httpGet = { path = "/"; port = "http"; };
        }];
      };
    };
  };

  service = {
    apiVersion = "v1";
    kind = "Service";
    metadata = { inherit name namespace labels; };
    spec = {
      selector = labels;
      ports = [{ name = "http"; port = 80; targetPort = "http"; }];
    };
  };
}
