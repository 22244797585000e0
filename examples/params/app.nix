# One file, several environments:
#
#   kubenix build examples/params/app.nix                     # env = "dev"
#   kubenix build examples/params/app.nix --argstr env prod
#   kubenix build examples/params/app.nix --argstr env prod --arg replicas 5
{ kubenix, env ? "dev", replicas ? null }:
let
  settings = {
    dev = { replicas = 1; host = "blog.dev.example.com"; resources = { cpu = "100m"; memory = "128Mi"; }; };
    prod = { replicas = 3; host = "blog.example.com"; resources = { cpu = "500m"; memory = "512Mi"; }; };
  };
  s = settings.${env} or (throw "env must be one of: ${toString (builtins.attrNames settings)}; got '${env}'");
  namespace = "blog-${env}";
  labels = { app = "blog"; inherit env; };
in
assert replicas == null || builtins.isInt replicas;
{
  namespace = { apiVersion = "v1"; kind = "Namespace"; metadata = { name = namespace; inherit labels; }; };

  deployment = {
    apiVersion = "apps/v1";
    kind = "Deployment";
    metadata = { name = "blog"; inherit namespace labels; };
    spec = {
      replicas = if replicas != null then replicas else s.replicas;
      selector.matchLabels = labels;
      template.metadata.labels = labels;
      template.spec.containers = [{
        name = "blog";
        image = "ghost:5.96";
        ports = [{ name = "http"; containerPort = 2368; }];
        env = [{ name = "url"; value = "https://${s.host}"; }];
        resources = { requests = s.resources; limits.memory = s.resources.memory; };
      }];
    };
  };

  service = {
    apiVersion = "v1";
    kind = "Service";
    metadata = { name = "blog"; inherit namespace labels; };
    spec = { selector = labels; ports = [{ name = "http"; port = 80; targetPort = "http"; }]; };
  };

  # Only production gets an Ingress.
  ingress = if env == "prod" then {
    apiVersion = "networking.k8s.io/v1";
    kind = "Ingress";
    metadata = { name = "blog"; inherit namespace labels; };
    spec.rules = [{
      host = s.host;
      http.paths = [{
        path = "/";
        pathType = "Prefix";
        backend.service = { name = "blog"; port.name = "http"; };
      }];
    }];
  } else null;
}
