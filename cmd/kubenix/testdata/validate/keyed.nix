# The keyed-resources form, as hall/kubenix users write it.
{ kubenix }:
{
  resources.namespaces.shop = { };
  resources.deployments.api = {
    metadata.namespace = "shop";
    spec = {
      selector.matchLabels.app = "api";
      template.metadata.labels.app = "api";
      template.spec.containers.api = {
        image = "shop/api:1.0";
        env.MODE.value = "prod";
        env.LOG.value = "info";
        ports."8080".name = "http";
      };
    };
  };
  resources.services.api = {
    metadata.namespace = "shop";
    spec.selector.app = "api";
    spec.ports = [ { port = 80; targetPort = "http"; } ];
  };
}
