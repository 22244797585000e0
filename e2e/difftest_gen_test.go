package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The schema side of the differential test: the server's own OpenAPI v3
// documents, from which it makes a valid object of every kind it serves
// (the seeds no corpus case covers) and the mutants that need to know a
// field's type: enums, quantities, int-or-strings, list-map keys, and the
// optional fields a seed leaves out.

// oaSchema is the part of an OpenAPI v3 schema the generator reads.
type oaSchema struct {
	Type        string               `json:"type"`
	Format      string               `json:"format"`
	Required    []string             `json:"required"`
	Properties  map[string]*oaSchema `json:"properties"`
	Additional  json.RawMessage      `json:"additionalProperties"`
	Items       *oaSchema            `json:"items"`
	AllOf       []*oaSchema          `json:"allOf"`
	OneOf       []*oaSchema          `json:"oneOf"`
	Ref         string               `json:"$ref"`
	Enum        []any                `json:"enum"`
	ListType    string               `json:"x-kubernetes-list-type"`
	ListMapKeys []string             `json:"x-kubernetes-list-map-keys"`
	IntOrString bool                 `json:"x-kubernetes-int-or-string"`
	Preserve    bool                 `json:"x-kubernetes-preserve-unknown-fields"`
	GVK         []struct {
		Group, Version, Kind string
	} `json:"x-kubernetes-group-version-kind"`

	additional *oaSchema // Additional decoded, when it is a schema
}

// openAPI is every schema of every group version the server serves, by
// component name, and the component of each kind ("apiVersion/kind").
type openAPI struct {
	schemas map[string]*oaSchema
	kinds   map[string]string
}

func (c *apiClient) openAPI(t *testing.T) *openAPI {
	code, b := c.do(t, "GET", "/openapi/v3", nil)
	if code != 200 {
		t.Fatalf("GET /openapi/v3: %d", code)
	}
	var index struct {
		Paths map[string]struct{ ServerRelativeURL string }
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	oa := &openAPI{schemas: map[string]*oaSchema{}, kinds: map[string]string{}}
	for p, v := range index.Paths {
		if p != "api/v1" && !strings.HasPrefix(p, "apis/") {
			continue
		}
		code, b := c.do(t, "GET", v.ServerRelativeURL, nil)
		if code != 200 {
			t.Fatalf("GET %s: %d", v.ServerRelativeURL, code)
		}
		var doc struct {
			Components struct {
				Schemas map[string]*oaSchema
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for name, s := range doc.Components.Schemas {
			oa.schemas[name] = s
		}
	}
	var decode func(s *oaSchema)
	decode = func(s *oaSchema) {
		if s == nil {
			return
		}
		if len(s.Additional) > 0 && s.Additional[0] == '{' && s.additional == nil {
			s.additional = &oaSchema{}
			json.Unmarshal(s.Additional, s.additional)
			decode(s.additional)
		}
		for _, p := range s.Properties {
			decode(p)
		}
		decode(s.Items)
		for _, a := range s.AllOf {
			decode(a)
		}
		for _, a := range s.OneOf {
			decode(a)
		}
	}
	for name, s := range oa.schemas {
		decode(s)
		for _, g := range s.GVK {
			av := g.Version
			if g.Group != "" {
				av = g.Group + "/" + g.Version
			}
			oa.kinds[av+"/"+g.Kind] = name
		}
	}
	return oa
}

// resolve follows $ref and a lone allOf (how v3 documents a field of a
// named type).
func (oa *openAPI) resolve(s *oaSchema) *oaSchema {
	for i := 0; s != nil && i < 10; i++ {
		switch {
		case s.Ref != "":
			s = oa.schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		case len(s.AllOf) == 1 && s.Type == "" && len(s.Properties) == 0:
			s = s.AllOf[0]
		default:
			return s
		}
	}
	return s
}

// refName is the component a field's schema names, or "".
func refName(s *oaSchema) string {
	for i := 0; s != nil && i < 10; i++ {
		if s.Ref != "" {
			return strings.TrimPrefix(s.Ref, "#/components/schemas/")
		}
		if len(s.AllOf) == 1 {
			s = s.AllOf[0]
			continue
		}
		return ""
	}
	return ""
}

// at returns the schema of the field at path in an object of the kind's
// schema, or nil.
func (oa *openAPI) at(root *oaSchema, path []any) *oaSchema {
	s := oa.resolve(root)
	for _, p := range path {
		if s == nil {
			return nil
		}
		switch x := p.(type) {
		case string:
			if ps, ok := s.Properties[x]; ok {
				s = oa.resolve(ps)
			} else if s.additional != nil {
				s = oa.resolve(s.additional)
			} else {
				return nil
			}
		case int:
			s = oa.resolve(s.Items)
		}
	}
	return s
}

const (
	quantity    = "io.k8s.apimachinery.pkg.api.resource.Quantity"
	intOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	timeRef     = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
	microTime   = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"
	rawExt      = "io.k8s.apimachinery.pkg.runtime.RawExtension"
	objectMeta  = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
)

// generate makes a value of schema s with its required fields filled, by
// the field's name where its type says too little (an image, a port).
// depth bounds recursive types (JSONSchemaProps).
func (oa *openAPI) generate(s *oaSchema, name string, depth int) any {
	if v, ok := valueByName[name]; ok && sameType(v, oa.resolve(s)) {
		return clone(v)
	}
	switch refName(s) {
	case quantity:
		return "1"
	case intOrString:
		return 1
	case timeRef:
		return "2026-01-01T00:00:00Z"
	case microTime:
		return "2026-01-01T00:00:00.000000Z"
	case rawExt:
		return map[string]any{}
	case objectMeta:
		return map[string]any{}
	}
	s = oa.resolve(s)
	if s == nil || depth > 8 {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if s.IntOrString {
		return 1
	}
	switch s.Type {
	case "string":
		switch s.Format {
		case "byte":
			return "YQ=="
		case "date-time":
			return "2026-01-01T00:00:00Z"
		}
		return "a"
	case "integer", "number":
		return 1
	case "boolean":
		return false
	case "array":
		if s.Items == nil {
			return []any{}
		}
		if v := oa.generate(s.Items, singular(name), depth+1); v != nil {
			return []any{v}
		}
		return []any{}
	}
	if s.additional != nil && len(s.Properties) == 0 {
		return map[string]any{}
	}
	obj := map[string]any{}
	for _, r := range s.Required {
		if p, ok := s.Properties[r]; ok {
			if v := oa.generate(p, r, depth+1); v != nil {
				obj[r] = v
			}
		}
	}
	return obj
}

// sameType: v is of the schema's type (a field named "storage" is a
// quantity in one kind and a boolean in another).
func sameType(v any, s *oaSchema) bool {
	if s == nil || s.Type == "" {
		return true
	}
	switch v.(type) {
	case string:
		return s.Type == "string"
	case int:
		return s.Type == "integer" || s.Type == "number"
	case []any:
		return s.Type == "array"
	}
	return false
}

func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y"
	case strings.HasSuffix(name, "ses"):
		return strings.TrimSuffix(name, "es")
	}
	return strings.TrimSuffix(name, "s")
}

// valueByName: what a field of this name holds in a valid object, where
// its type says too little.
var valueByName = map[string]any{
	"image":         "nginx:1.27",
	"containerPort": 8080,
	"port":          80,
	"protocol":      "TCP",
	"apiVersion":    "v1",
	"fieldPath":     "metadata.name",
	"storage":       "1Gi",
	"provisioner":   "example.com/p",
	"driver":        "example.com/d",
	"attacher":      "example.com/a",
	"controller":    "example.com/c",
	"handler":       "runc",
	"signerName":    "example.com/signer",
	"schedule":      "*/5 * * * *",
	"hostname":      "h",
	"ip":            "10.0.0.10",
	"clusterIP":     "None",
	"addresses":     []any{"10.0.0.10"},
	"cidrs":         []any{"10.1.0.0/16"},
	"operator":      "In",
	"values":        []any{"v"},
	"key":           "k",
	"nodeName":      "n",
}

// kindOverlays are what the schema cannot say about a valid object of a
// kind: values that must agree with each other (a selector and the
// template's labels) or that only some values of a type pass. They are
// merged over the generated object.
var kindOverlays = map[string]string{
	"v1/Pod":                                          `{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}`,
	"v1/PodTemplate":                                  `{"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}`,
	"v1/ReplicationController":                        `{"spec":{"selector":{"app":"a"},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}`,
	"v1/Service":                                      `{"spec":{"selector":{"app":"a"},"ports":[{"name":"http","port":80,"targetPort":8080}]}}`,
	"v1/Endpoints":                                    `{"subsets":[{"addresses":[{"ip":"10.0.0.10"}],"ports":[{"name":"http","port":80}]}]}`,
	"v1/PersistentVolume":                             `{"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/data"}}}`,
	"v1/PersistentVolumeClaim":                        `{"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`,
	"v1/ResourceQuota":                                `{"spec":{"hard":{"pods":"10"}}}`,
	"v1/LimitRange":                                   `{"spec":{"limits":[{"type":"Container","max":{"cpu":"2"},"min":{"cpu":"100m"}}]}}`,
	"v1/Event":                                        `{"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},"reason":"Started","message":"m","type":"Normal","source":{"component":"c"},"firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:00:00Z","count":1}`,
	"events.k8s.io/v1/Event":                          `{"regarding":{"kind":"Pod","name":"p","namespace":"default"},"reason":"Started","note":"n","type":"Normal","action":"Start","reportingController":"example.com/c","reportingInstance":"i","eventTime":"2026-01-01T00:00:00.000000Z"}`,
	"v1/Secret":                                       `{"type":"Opaque","data":{"k":"dg=="}}`,
	"v1/ConfigMap":                                    `{"data":{"k":"v"}}`,
	"apps/v1/Deployment":                              `{"spec":{"replicas":2,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27","ports":[{"containerPort":8080}]}]}}}}`,
	"apps/v1/ReplicaSet":                              `{"spec":{"replicas":2,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}`,
	"apps/v1/StatefulSet":                             `{"spec":{"serviceName":"a","selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}`,
	"apps/v1/DaemonSet":                               `{"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}`,
	"apps/v1/ControllerRevision":                      `{"revision":1,"data":{}}`,
	"batch/v1/Job":                                    `{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"nginx:1.27"}]}}}}`,
	"batch/v1/CronJob":                                `{"spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"nginx:1.27"}]}}}}}}`,
	"autoscaling/v1/HorizontalPodAutoscaler":          `{"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"a"},"minReplicas":1,"maxReplicas":3,"targetCPUUtilizationPercentage":80}}`,
	"autoscaling/v2/HorizontalPodAutoscaler":          `{"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"a"},"minReplicas":1,"maxReplicas":3,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]}}`,
	"policy/v1/PodDisruptionBudget":                   `{"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"a"}}}}`,
	"networking.k8s.io/v1/Ingress":                    `{"spec":{"rules":[{"host":"a.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"a","port":{"number":80}}}}]}}]}}`,
	"networking.k8s.io/v1/IngressClass":               `{"spec":{"controller":"example.com/ingress"}}`,
	"networking.k8s.io/v1/NetworkPolicy":              `{"spec":{"podSelector":{"matchLabels":{"app":"a"}},"policyTypes":["Ingress"],"ingress":[{"from":[{"podSelector":{}}],"ports":[{"protocol":"TCP","port":80}]}]}}`,
	"networking.k8s.io/v1/ServiceCIDR":                `{"spec":{"cidrs":["10.96.0.0/16"]}}`,
	"networking.k8s.io/v1/IPAddress":                  `{"metadata":{"name":"10.0.0.77"},"spec":{"parentRef":{"group":"","resource":"services","name":"a","namespace":"default"}}}`,
	"discovery.k8s.io/v1/EndpointSlice":               `{"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.10"]}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}`,
	"rbac.authorization.k8s.io/v1/Role":               `{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}`,
	"rbac.authorization.k8s.io/v1/ClusterRole":        `{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}`,
	"rbac.authorization.k8s.io/v1/RoleBinding":        `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"a","namespace":"default"}]}`,
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"a","namespace":"default"}]}`,
	"storage.k8s.io/v1/StorageClass":                  `{"provisioner":"example.com/p","reclaimPolicy":"Delete","volumeBindingMode":"Immediate"}`,
	"storage.k8s.io/v1/CSIDriver":                     `{"spec":{"attachRequired":true,"podInfoOnMount":false}}`,
	"storage.k8s.io/v1/CSINode":                       `{"spec":{"drivers":[{"name":"d.example.com","nodeID":"n1"}]}}`,
	"storage.k8s.io/v1/CSIStorageCapacity":            `{"storageClassName":"fast","capacity":"1Gi"}`,
	"storage.k8s.io/v1/VolumeAttachment":              `{"spec":{"attacher":"d.example.com","nodeName":"n1","source":{"persistentVolumeName":"pv1"}}}`,
	"storage.k8s.io/v1/VolumeAttributesClass":         `{"driverName":"example.com/d","parameters":{"iops":"1000"}}`,
	"scheduling.k8s.io/v1/PriorityClass":              `{"value":1000,"description":"d"}`,
	"node.k8s.io/v1/RuntimeClass":                     `{"handler":"runc"}`,
	"coordination.k8s.io/v1/Lease":                    `{"spec":{"holderIdentity":"h","leaseDurationSeconds":15}}`,
	"admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration":   `{"webhooks":[{"name":"v.example.com","clientConfig":{"url":"https://example.com/v"},"admissionReviewVersions":["v1"],"sideEffects":"None","rules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["pods"]}]}]}`,
	"admissionregistration.k8s.io/v1/MutatingWebhookConfiguration":     `{"webhooks":[{"name":"m.example.com","clientConfig":{"url":"https://example.com/m"},"admissionReviewVersions":["v1"],"sideEffects":"None","rules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["pods"]}]}]}`,
	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy":        `{"spec":{"failurePolicy":"Fail","matchConstraints":{"resourceRules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["CREATE"],"resources":["deployments"]}]},"validations":[{"expression":"object.spec.replicas <= 5"}]}}`,
	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": `{"spec":{"policyName":"p","validationActions":["Deny"]}}`,
	"admissionregistration.k8s.io/v1/MutatingAdmissionPolicy":          `{"spec":{"failurePolicy":"Fail","reinvocationPolicy":"Never","matchConstraints":{"resourceRules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["CREATE"],"resources":["deployments"]}]},"mutations":[{"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{}"}}]}}`,
	"admissionregistration.k8s.io/v1/MutatingAdmissionPolicyBinding":   `{"spec":{"policyName":"p"}}`,
	"flowcontrol.apiserver.k8s.io/v1/FlowSchema":                       `{"spec":{"priorityLevelConfiguration":{"name":"p"},"matchingPrecedence":1000,"distinguisherMethod":{"type":"ByUser"},"rules":[{"subjects":[{"kind":"Group","group":{"name":"g"}}],"resourceRules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"],"namespaces":["*"]}]}]}}`,
	"flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration":       `{"spec":{"type":"Limited","limited":{"nominalConcurrencyShares":10,"limitResponse":{"type":"Reject"}}}}`,
	"apiregistration.k8s.io/v1/APIService":                             `{"metadata":{"name":"v1.example.com"},"spec":{"group":"example.com","version":"v1","groupPriorityMinimum":1000,"versionPriority":15,"service":{"name":"a","namespace":"default","port":443},"insecureSkipTLSVerify":true}}`,
	"resource.k8s.io/v1/DeviceClass":                                   `{"spec":{"selectors":[{"cel":{"expression":"device.driver == \"example.com\""}}]}}`,
	"resource.k8s.io/v1/ResourceClaim":                                 `{"spec":{"devices":{"requests":[{"name":"r","exactly":{"deviceClassName":"c"}}]}}}`,
	"resource.k8s.io/v1/ResourceClaimTemplate":                         `{"spec":{"spec":{"devices":{"requests":[{"name":"r","exactly":{"deviceClassName":"c"}}]}}}}`,
	"resource.k8s.io/v1/ResourceSlice":                                 `{"spec":{"driver":"example.com","pool":{"name":"p","generation":1,"resourceSliceCount":1},"nodeName":"n1","devices":[{"name":"d"}]}}`,
	"storagemigration.k8s.io/v1/StorageVersionMigration":               `{"spec":{"resource":{"group":"apps","resource":"deployments"}}}`,
	"apiextensions.k8s.io/v1/CustomResourceDefinition":                 `{"metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer"}}}}}}}]}}`,
	"v1/Namespace":      `{}`,
	"v1/ServiceAccount": `{}`,
	"v1/Node":           `{"spec":{"podCIDR":"10.2.0.0/24"}}`,
}

// schemaSeeds makes one object of every kind the server serves and kubenix
// is asked about: from the kind's schema with its required fields filled,
// with the kind's overlay merged over it.
func schemaSeeds(t *testing.T, oa *openAPI, resources map[string]apiResource) []seed {
	overlays := maps.Clone(kindOverlays)
	csr, bundle := certificates(t)
	overlays["certificates.k8s.io/v1/CertificateSigningRequest"] = `{"spec":{"signerName":"example.com/signer","usages":["digital signature"],"request":"` + base64.StdEncoding.EncodeToString(csr) + `"}}`
	overlays["certificates.k8s.io/v1/ClusterTrustBundle"] = `{"spec":{"trustBundle":` + strconv.Quote(string(bundle)) + `}}`
	keys := make([]string, 0, len(resources))
	for k, r := range resources {
		if r.creatable {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []seed
	for _, k := range keys {
		i := strings.LastIndex(k, "/")
		av, kind := k[:i], k[i+1:]
		comp, ok := oa.kinds[k]
		if !ok {
			continue
		}
		obj, _ := oa.generate(oa.schemas[comp], "", 0).(map[string]any)
		if obj == nil {
			continue
		}
		meta := map[string]any{"name": "gen-" + strings.ToLower(kind)}
		if resources[k].namespaced {
			meta["namespace"] = "default"
		}
		obj["apiVersion"], obj["kind"], obj["metadata"] = av, kind, meta
		if ov, ok := overlays[k]; ok {
			var o map[string]any
			if err := json.Unmarshal([]byte(ov), &o); err != nil {
				t.Fatalf("overlay of %s: %v", k, err)
			}
			merge(obj, o)
		}
		delete(obj, "status")
		out = append(out, seed{name: "schema:" + k, obj: obj})
	}
	return out
}

// certificates makes a certificate request and a self-signed CA
// certificate, both PEM.
func certificates(t *testing.T) (csr, ca []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509.CreateCertificateRequest(cryptorand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Unix(0, 0),
		NotAfter: time.Unix(1<<33, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	cert, err := x509.CreateCertificate(cryptorand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: req}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})
}

// merge copies b's fields into a, recursively for objects.
func merge(a, b map[string]any) {
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := a[k].(map[string]any); ok {
				merge(am, bm)
				continue
			}
		}
		a[k] = clone(v)
	}
}

// schemaMutants are the mutants that need the field's schema: each
// optional field the seed leaves out, added with a generated value (a
// second of two exclusive fields, a field that only some values of another
// allow); an out-of-enum value; bad quantities and int-or-strings; and, of
// a list-map, an entry with the same keys but other values.
func schemaMutants(oa *openAPI, s seed) []mutant {
	root := oa.kindSchema(s.obj)
	if root == nil {
		return nil
	}
	var out []mutant
	add := func(what string, change func(obj map[string]any)) {
		obj := clone(s.obj).(map[string]any)
		change(obj)
		out = append(out, mutant{what: s.name + " " + what, obj: obj, seed: s.name})
	}
	var walk func(path []any, v any)
	walk = func(path []any, v any) {
		p := pathString(path)
		if p == "metadata" || strings.HasPrefix(p, "metadata.managedFields") || p == "status" {
			if p != "metadata" {
				return
			}
		}
		sch := oa.at(root, path)
		if sch == nil {
			return
		}
		switch refName(schemaField(oa, root, path)) {
		case quantity:
			for _, r := range []any{"-1", "1.5.5", "1Qi", "0.0001m", "1e1000"} {
				add(fmt.Sprintf("%s = %s", p, compact(r)), func(obj map[string]any) { setAt(obj, path, r) })
			}
			return
		case intOrString:
			for _, r := range []any{"150%", "-1%", "abc%", "http-", 2147483647} {
				add(fmt.Sprintf("%s = %s", p, compact(r)), func(obj map[string]any) { setAt(obj, path, r) })
			}
			return
		}
		if len(sch.Enum) > 0 && len(path) > 0 {
			add(p+" = out of enum", func(obj map[string]any) { setAt(obj, path, "NotInTheEnum") })
		}
		if _, isString := v.(string); isString && len(path) > 0 {
			for _, r := range stringClasses(path[len(path)-1]) {
				add(fmt.Sprintf("%s = %s", p, compact(r)), func(obj map[string]any) { setAt(obj, path, r) })
			}
		}
		switch t := v.(type) {
		case map[string]any:
			if len(sch.Properties) > 0 {
				props := make([]string, 0, len(sch.Properties))
				for k := range sch.Properties {
					props = append(props, k)
				}
				sort.Strings(props)
				for _, k := range props {
					if _, present := t[k]; present || k == "status" || k == "apiVersion" || k == "kind" || (p == "metadata" && !slices.Contains([]string{"labels", "annotations", "finalizers", "generateName", "ownerReferences"}, k)) {
						continue
					}
					val := oa.generate(sch.Properties[k], k, len(path))
					if val == nil {
						continue
					}
					add(fmt.Sprintf("add %s", pathString(append(slices.Clone(path), k))), func(obj map[string]any) {
						setAt(obj, append(slices.Clone(path), k), val)
					})
				}
			}
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(append(slices.Clone(path), k), t[k])
			}
		case []any:
			if sch.ListType == "map" && len(t) > 0 {
				if first, ok := t[0].(map[string]any); ok {
					other := clone(first).(map[string]any)
					for k, v := range other {
						if !slices.Contains(sch.ListMapKeys, k) {
							if _, ok := v.(string); ok {
								other[k] = "b"
							}
						}
					}
					add(p+" list-map key twice", func(obj map[string]any) {
						setAt(obj, path, append(clone(t).([]any), other))
					})
				}
			}
			for i, e := range t {
				walk(append(slices.Clone(path), i), e)
			}
		}
	}
	walk(nil, s.obj)
	return out
}

// schemaField is the schema of the field at path as written (before
// following its $ref), for refName.
func schemaField(oa *openAPI, root *oaSchema, path []any) *oaSchema {
	if len(path) == 0 {
		return root
	}
	parent := oa.at(root, path[:len(path)-1])
	if parent == nil {
		return nil
	}
	switch x := path[len(path)-1].(type) {
	case string:
		if p, ok := parent.Properties[x]; ok {
			return p
		}
		return parent.additional
	case int:
		return parent.Items
	}
	return nil
}

func (oa *openAPI) kindSchema(obj map[string]any) *oaSchema {
	av, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	comp, ok := oa.kinds[av+"/"+kind]
	if !ok {
		return nil
	}
	return oa.schemas[comp]
}

// stringClasses are the invalid strings of the classes a field's name
// suggests: names and DNS names, IPs, CIDRs, ports.
func stringClasses(key any) []any {
	name, _ := key.(string)
	l := strings.ToLower(name)
	switch {
	case strings.HasSuffix(l, "cidr") || strings.HasSuffix(l, "cidrs") || l == "cidr":
		return []any{"10.0.0.0/33", "10.0.0.1/8", "abc"}
	case l == "ip" || strings.HasSuffix(name, "IP") || strings.HasSuffix(name, "IPs") || l == "address" || l == "addresses":
		return []any{"1.2.3.999", "::g", "010.0.0.1"}
	case strings.HasSuffix(l, "port"):
		return []any{"http-", "99999"}
	case l == "name" || strings.HasSuffix(name, "Name") || l == "host" || l == "hostname" || l == "subdomain":
		return []any{"UPPER", "a..b", "a_b", strings.Repeat("a", 64)}
	case strings.HasSuffix(l, "namespace"):
		return []any{"UPPER", strings.Repeat("a", 64)}
	}
	return nil
}

// randomMutants are n structure-aware random mutants of a seed, from a
// fixed random source: each changes one to three fields, each picked at
// random among the fields the object has and the ones its schema allows,
// to a value picked among valid-looking and invalid ones of the field's
// type.
func randomMutants(oa *openAPI, s seed, n int, rng *rand.Rand) []mutant {
	root := oa.kindSchema(s.obj)
	if root == nil {
		return nil
	}
	var out []mutant
	for range n {
		obj := clone(s.obj).(map[string]any)
		var whats []string
		for range 1 + rng.Intn(3) {
			path, sch := randomPath(oa, root, obj, rng)
			if len(path) == 0 {
				break
			}
			var v any
			switch rng.Intn(4) {
			case 0:
				v = oa.generate(sch, keyName(path), len(path))
			case 1:
				v = nil // dropped
			default:
				v = randomValue(oa, sch, keyName(path), rng)
			}
			if v == nil {
				if _, isKey := path[len(path)-1].(string); isKey {
					deleteAt(obj, path)
					whats = append(whats, "drop "+pathString(path))
				}
				continue
			}
			setAt(obj, path, v)
			whats = append(whats, fmt.Sprintf("%s = %s", pathString(path), compact(v)))
		}
		if len(whats) == 0 {
			continue
		}
		out = append(out, mutant{what: s.name + " random: " + strings.Join(whats, "; "), obj: obj, seed: s.name})
	}
	return out
}

func keyName(path []any) string {
	for i := len(path) - 1; i >= 0; i-- {
		if k, ok := path[i].(string); ok {
			return k
		}
	}
	return ""
}

// randomPath walks down from the root, into an existing field or one the
// schema allows (created on the way), and stops at random.
func randomPath(oa *openAPI, root *oaSchema, obj map[string]any, rng *rand.Rand) ([]any, *oaSchema) {
	var path []any
	var cur any = obj
	sch := oa.resolve(root)
	for depth := 0; depth < 12; depth++ {
		switch c := cur.(type) {
		case map[string]any:
			var keys []string
			for k := range sch.Properties {
				if k != "apiVersion" && k != "kind" && k != "status" && !(depth == 0 && k == "metadata") {
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				return path, sch
			}
			sort.Strings(keys)
			k := keys[rng.Intn(len(keys))]
			next := sch.Properties[k]
			path = append(path, k)
			v, present := c[k]
			if !present || rng.Intn(3) == 0 {
				return path, next
			}
			cur, sch = v, oa.resolve(next)
		case []any:
			if len(c) == 0 || sch.Items == nil {
				return path, sch
			}
			i := rng.Intn(len(c))
			path = append(path, i)
			if rng.Intn(3) == 0 {
				return path, sch.Items
			}
			cur, sch = c[i], oa.resolve(sch.Items)
		default:
			return path, sch
		}
		if sch == nil {
			return path, nil
		}
	}
	return path, sch
}

// randomValue picks a value for a field of schema s: often of its type,
// sometimes of another, from the classes validation refuses.
func randomValue(oa *openAPI, s *oaSchema, name string, rng *rand.Rand) any {
	generic := []any{"", "a", "Not_Valid!", -1, 0, 65536, int64(1) << 31, int64(1)<<53 + 1, true, []any{}, map[string]any{}, "150%", "1.2.3.999", "10.0.0.0/33"}
	if rng.Intn(4) == 0 {
		return generic[rng.Intn(len(generic))]
	}
	switch refName(s) {
	case quantity:
		return []any{"1", "0", "-1", "100m", "1Gi", "1.5.5", "1e3", 1}[rng.Intn(8)]
	case intOrString:
		return []any{0, 1, 80, 65536, -1, "50%", "150%", "http", "abc"}[rng.Intn(9)]
	}
	r := oa.resolve(s)
	if r == nil {
		return generic[rng.Intn(len(generic))]
	}
	if len(r.Enum) > 0 {
		if rng.Intn(3) == 0 {
			return "NotInTheEnum"
		}
		return r.Enum[rng.Intn(len(r.Enum))]
	}
	switch r.Type {
	case "string":
		choices := append([]any{"", "a", "x-1", "Not_Valid!", strings.Repeat("a", 254)}, stringClasses(name)...)
		return choices[rng.Intn(len(choices))]
	case "integer", "number":
		return []any{0, 1, -1, 2, 100, 65535, 65536, int64(1) << 31, int64(1)<<53 + 1}[rng.Intn(9)]
	case "boolean":
		return rng.Intn(2) == 0
	case "array":
		v := oa.generate(r.Items, singular(name), 3)
		if v == nil || rng.Intn(4) == 0 {
			return []any{}
		}
		return []any{v, clone(v)}
	}
	return oa.generate(r, name, 3)
}
