# An app that keeps only a reference to its secret: the value lives in a
# vault, and the Secrets Store CSI driver mounts it into the Pod.
{ ... }: {
  vault-db = {
    apiVersion = "secrets-store.csi.x-k8s.io/v1";
    kind = "SecretProviderClass";
    metadata = { name = "vault-db"; namespace = "shop"; };
    spec = {
      provider = "vault";
      parameters = {
        roleName = "shop";
        vaultAddress = "https://vault.example:8200";
        objects = ''
          - objectName: "password"
            secretPath: "secret/data/shop/db"
            secretKey: "password"
        '';
      };
    };
  };
  api = {
    apiVersion = "v1";
    kind = "Pod";
    metadata = { name = "api"; namespace = "shop"; };
    spec = {
      containers = [{
        name = "api";
        image = "registry.example/shop/api:1.0";
        volumeMounts = [{ name = "db"; mountPath = "/run/secrets/db"; readOnly = true; }];
      }];
      volumes = [{
        name = "db";
        csi = {
          driver = "secrets-store.csi.k8s.io";
          readOnly = true;
          volumeAttributes.secretProviderClass = "vault-db";
        };
      }];
    };
  };
}
