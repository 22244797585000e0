{ labels }:
{
  apiVersion = "v1";
  kind = "Service";
  metadata.name = "web";
  spec = {
    type = "Loadbalancer";
    selector = labels;
    ports = [ { port = 80; targetPort = 8080; } ];
  };
}
