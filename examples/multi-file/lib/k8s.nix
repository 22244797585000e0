# Our own tiny helpers. Each returns one Kubernetes object; the labels given
# are used for the selector too, so a Deployment and its Service always match.
rec {
  namespace = name: {
    apiVersion = "v1";
    kind = "Namespace";
    metadata.name = name;
  };

  configMap = { name, namespace, labels ? { }, data }: {
    apiVersion = "v1";
    kind = "ConfigMap";
    metadata = { inherit name namespace labels; };
    inherit data;
  };

  deployment = { name, namespace, labels ? { }, image, port ? null, replicas ? 1, env ? { } }:
    let selector = { "app.kubernetes.io/name" = name; }; in
    {
      apiVersion = "apps/v1";
      kind = "Deployment";
      metadata = { inherit name namespace; labels = labels // selector; };
      spec = {
        inherit replicas;
        selector.matchLabels = selector;
        template = {
          metadata.labels = labels // selector;
          spec.containers = [
            ({
              inherit name image;
              env = map (n: { name = n; value = env.${n}; }) (builtins.attrNames env);
              envFrom = [{ configMapRef.name = "shop-config"; }];
            } // (if port == null then { } else { ports = [{ name = "http"; containerPort = port; }]; }))
          ];
        };
      };
    };

  service = { name, namespace, labels ? { }, port }: {
    apiVersion = "v1";
    kind = "Service";
    metadata = { inherit name namespace labels; };
    spec = {
      selector."app.kubernetes.io/name" = name;
      ports = [{ name = "http"; inherit port; targetPort = "http"; }];
    };
  };
}
