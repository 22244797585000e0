package main

import (
	"fmt"
	"strings"
)

// Trimmed schemas keep what validation and explain need, in a shape the
// runtime converts directly (schema/convert.go):
//
//	type format description properties required items additionalProperties
//	$ref (a definition name) default enum minimum maximum
//	intOrString quantity preserveUnknownFields embeddedResource
//	listType listMapKeys mapType mergeKey validations
//
// Built-in types whose Go type holds arbitrary JSON keep their content.
var arbitraryJSON = map[string]bool{
	"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1":                                         true,
	"io.k8s.apimachinery.pkg.apis.meta.v1.Patch":                                            true,
	"io.k8s.apimachinery.pkg.runtime.RawExtension":                                          true,
	"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON":                         true,
	"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray":       true,
	"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool":        true,
	"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray": true,
}

// portRanges are value ranges the API server enforces in Go (validation.go
// of k8s.io/kubernetes/pkg/apis/...), which the OpenAPI does not carry.
var portRanges = map[string][2]int{
	"io.k8s.api.core.v1.ContainerPort.containerPort":        {1, 65535},
	"io.k8s.api.core.v1.ContainerPort.hostPort":             {0, 65535},
	"io.k8s.api.core.v1.ServicePort.port":                   {1, 65535},
	"io.k8s.api.core.v1.ServicePort.nodePort":               {0, 65535},
	"io.k8s.api.core.v1.ServicePort.targetPort":             {0, 65535},
	"io.k8s.api.core.v1.EndpointPort.port":                  {1, 65535},
	"io.k8s.api.core.v1.HTTPGetAction.port":                 {1, 65535},
	"io.k8s.api.core.v1.TCPSocketAction.port":               {1, 65535},
	"io.k8s.api.core.v1.GRPCAction.port":                    {1, 65535},
	"io.k8s.api.networking.v1.ServiceBackendPort.number":    {0, 65535},
	"io.k8s.api.networking.v1.NetworkPolicyPort.port":       {1, 65535},
	"io.k8s.api.networking.v1.NetworkPolicyPort.endPort":    {1, 65535},
	"io.k8s.api.discovery.v1.EndpointPort.port":             {0, 65535},
	"io.k8s.api.apps.v1.DeploymentSpec.replicas":            {0, 1<<31 - 1},
	"io.k8s.api.apps.v1.StatefulSetSpec.replicas":           {0, 1<<31 - 1},
	"io.k8s.api.apps.v1.ReplicaSetSpec.replicas":            {0, 1<<31 - 1},
	"io.k8s.api.core.v1.ReplicationControllerSpec.replicas": {0, 1<<31 - 1},
}

// portNames are int-or-string fields whose string form must be an IANA
// service name (a named container port).
var portNames = map[string]bool{
	"io.k8s.api.core.v1.ServicePort.targetPort":       true,
	"io.k8s.api.core.v1.HTTPGetAction.port":           true,
	"io.k8s.api.core.v1.TCPSocketAction.port":         true,
	"io.k8s.api.networking.v1.NetworkPolicyPort.port": true,
}

const refPrefix = "#/components/schemas/"

func trim(s map[string]any, name string, enums map[string]map[string]enumValues) map[string]any {
	if arbitraryJSON[name] {
		out := map[string]any{"preserveUnknownFields": true}
		if d, ok := s["description"]; ok {
			out["description"] = d
		}
		return out
	}
	switch name {
	case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
		return map[string]any{"intOrString": true, "description": s["description"]}
	case "io.k8s.apimachinery.pkg.api.resource.Quantity":
		return map[string]any{"quantity": true, "description": s["description"]}
	}
	return trimNode(s, name, "", enums[name])
}

func trimNode(s map[string]any, def, path string, fieldEnums map[string]enumValues) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "type", "format", "description", "required", "default", "enum", "minimum", "maximum",
			"minLength", "maxLength", "minItems", "maxItems", "pattern", "nullable", "readOnly":
			out[k] = v
		case "$ref":
			out["$ref"] = strings.TrimPrefix(v.(string), refPrefix)
		case "allOf":
			l := v.([]any)
			if len(l) != 1 {
				panic(fmt.Sprintf("%s%s: allOf with %d entries", def, path, len(l)))
			}
			out["$ref"] = strings.TrimPrefix(l[0].(map[string]any)["$ref"].(string), refPrefix)
		case "properties":
			props := map[string]any{}
			for p, ps := range v.(map[string]any) {
				sub := trimNode(ps.(map[string]any), def, path+"."+p, nil)
				if path == "" {
					if e, ok := fieldEnums[p]; ok {
						e.apply(sub)
					}
					if r, ok := portRanges[def+"."+p]; ok {
						sub["minimum"], sub["maximum"] = r[0], r[1]
					}
					if portNames[def+"."+p] {
						sub["portName"] = true
					}
				}
				props[p] = sub
			}
			out["properties"] = props
		case "items":
			out["items"] = trimNode(v.(map[string]any), def, path+"[]", nil)
		case "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				out["additionalProperties"] = trimNode(m, def, path+"{}", nil)
			} else {
				out["additionalProperties"] = v
			}
		case "x-kubernetes-int-or-string":
			out["intOrString"] = v
		case "x-kubernetes-preserve-unknown-fields":
			out["preserveUnknownFields"] = v
		case "x-kubernetes-embedded-resource":
			out["embeddedResource"] = v
		case "x-kubernetes-list-type":
			out["listType"] = v
		case "x-kubernetes-list-map-keys":
			out["listMapKeys"] = v
		case "x-kubernetes-map-type":
			out["mapType"] = v
		case "x-kubernetes-patch-merge-key":
			out["mergeKey"] = v
		case "x-kubernetes-validations":
			out["validations"] = v
		case "oneOf", "anyOf":
			panic(fmt.Sprintf("%s%s: unexpected %s", def, path, k))
		}
	}
	return out
}

// splitDocs moves the descriptions out of a trimmed schema into a tree of
// their own: {"d": description, "p": {field: ...}, "i": items, "a": values}.
func splitDocs(s map[string]any) map[string]any {
	docs := map[string]any{}
	if d, ok := s["description"]; ok {
		docs["d"] = d
		delete(s, "description")
	}
	if props, ok := s["properties"].(map[string]any); ok {
		p := map[string]any{}
		for name, sub := range props {
			if d := splitDocs(sub.(map[string]any)); len(d) > 0 {
				p[name] = d
			}
		}
		if len(p) > 0 {
			docs["p"] = p
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		if d := splitDocs(items); len(d) > 0 {
			docs["i"] = d
		}
	}
	if add, ok := s["additionalProperties"].(map[string]any); ok {
		if d := splitDocs(add); len(d) > 0 {
			docs["a"] = d
		}
	}
	return docs
}
