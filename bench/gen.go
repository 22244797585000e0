package main

import (
	"fmt"
	"strings"
)

// generateApp writes a .nix file of n units; a unit is a Deployment, a
// Service and a ConfigMap, written out literally as a user would.
func generateApp(n int) string {
	var b strings.Builder
	b.WriteString("{ kubenix }:\n{\n")
	b.WriteString("  namespace = { apiVersion = \"v1\"; kind = \"Namespace\"; metadata.name = \"bench\"; };\n")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%05d", i)
		fmt.Fprintf(&b, `  %[1]s = {
    config = {
      apiVersion = "v1";
      kind = "ConfigMap";
      metadata = { name = "%[1]s"; namespace = "bench"; labels.app = "%[1]s"; };
      data = { LOG_LEVEL = "info"; UNIT = "%[2]d"; ENABLED = "yes"; };
    };
    deployment = {
      apiVersion = "apps/v1";
      kind = "Deployment";
      metadata = { name = "%[1]s"; namespace = "bench"; labels.app = "%[1]s"; };
      spec = {
        replicas = 2;
        selector.matchLabels.app = "%[1]s";
        template = {
          metadata.labels.app = "%[1]s";
          spec.containers = [{
            name = "app";
            image = "registry.example.com/%[1]s:1.0.%[2]d";
            ports = [{ name = "http"; containerPort = 8080; }];
            envFrom = [{ configMapRef.name = "%[1]s"; }];
            resources = { requests = { cpu = "100m"; memory = "64Mi"; }; limits.memory = "128Mi"; };
            readinessProbe.httpGet = { path = "/healthz"; port = "http"; };
          }];
        };
      };
    };
    service = {
      apiVersion = "v1";
      kind = "Service";
      metadata = { name = "%[1]s"; namespace = "bench"; labels.app = "%[1]s"; };
      spec = { selector.app = "%[1]s"; ports = [{ name = "http"; port = 80; targetPort = "http"; }]; };
    };
  };
`, name, i)
	}
	b.WriteString("}\n")
	return b.String()
}
