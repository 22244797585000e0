{ k8s, common }:
let name = "api"; in
{
  deployment = k8s.deployment (common // {
    inherit name;
    image = "registry.example.com/shop/api:2.4.1";
    port = 8080;
    replicas = 3;
    env = { PORT = "8080"; DEBUG = "no"; };
  });
  service = k8s.service (common // { inherit name; port = 80; });
}
