package schema

import (
	"fmt"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
)

// apiChange is a removal from the Kubernetes deprecation guide
// (kubernetes.io/docs/reference/using-api/deprecation-guide) for API
// versions older than the oldest embedded schema; later removals are read
// from the embedded schemas themselves.
type apiChange struct {
	group, version string
	kinds          []string // empty: every kind of the group version
	removed        string   // Kubernetes version that stopped serving it
	replacement    string   // apiVersion to use instead ("" if none)
	note           string
}

var removals = []apiChange{
	{"extensions", "v1beta1", []string{"Deployment", "DaemonSet", "ReplicaSet"}, "1.16", "apps/v1", ""},
	{"apps", "v1beta1", nil, "1.16", "apps/v1", ""},
	{"apps", "v1beta2", nil, "1.16", "apps/v1", ""},
	{"extensions", "v1beta1", []string{"NetworkPolicy"}, "1.16", "networking.k8s.io/v1", ""},
	{"extensions", "v1beta1", []string{"PodSecurityPolicy"}, "1.16", "policy/v1beta1", "and PodSecurityPolicy itself was removed in 1.25"},
	{"extensions", "v1beta1", []string{"Ingress"}, "1.22", "networking.k8s.io/v1", ""},
	{"networking.k8s.io", "v1beta1", []string{"Ingress", "IngressClass"}, "1.22", "networking.k8s.io/v1", ""},
	{"admissionregistration.k8s.io", "v1beta1", []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}, "1.22", "admissionregistration.k8s.io/v1", ""},
	{"apiextensions.k8s.io", "v1beta1", nil, "1.22", "apiextensions.k8s.io/v1", ""},
	{"apiregistration.k8s.io", "v1beta1", nil, "1.22", "apiregistration.k8s.io/v1", ""},
	{"authentication.k8s.io", "v1beta1", []string{"TokenReview"}, "1.22", "authentication.k8s.io/v1", ""},
	{"authorization.k8s.io", "v1beta1", nil, "1.22", "authorization.k8s.io/v1", ""},
	{"certificates.k8s.io", "v1beta1", []string{"CertificateSigningRequest"}, "1.22", "certificates.k8s.io/v1", ""},
	{"coordination.k8s.io", "v1beta1", []string{"Lease"}, "1.22", "coordination.k8s.io/v1", ""},
	{"rbac.authorization.k8s.io", "v1beta1", nil, "1.22", "rbac.authorization.k8s.io/v1", ""},
	{"rbac.authorization.k8s.io", "v1alpha1", nil, "1.22", "rbac.authorization.k8s.io/v1", ""},
	{"scheduling.k8s.io", "v1beta1", []string{"PriorityClass"}, "1.22", "scheduling.k8s.io/v1", ""},
	{"storage.k8s.io", "v1beta1", []string{"CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"}, "1.22", "storage.k8s.io/v1", ""},
	{"batch", "v1beta1", []string{"CronJob"}, "1.25", "batch/v1", ""},
	{"discovery.k8s.io", "v1beta1", []string{"EndpointSlice"}, "1.25", "discovery.k8s.io/v1", ""},
	{"events.k8s.io", "v1beta1", []string{"Event"}, "1.25", "events.k8s.io/v1", ""},
	{"autoscaling", "v2beta1", []string{"HorizontalPodAutoscaler"}, "1.25", "autoscaling/v2", ""},
	{"policy", "v1beta1", []string{"PodDisruptionBudget"}, "1.25", "policy/v1", ""},
	{"policy", "v1beta1", []string{"PodSecurityPolicy"}, "1.25", "", "use Pod Security Admission (namespace labels) instead"},
	{"node.k8s.io", "v1beta1", []string{"RuntimeClass"}, "1.25", "node.k8s.io/v1", ""},
	{"flowcontrol.apiserver.k8s.io", "v1beta1", nil, "1.26", "flowcontrol.apiserver.k8s.io/v1", ""},
	{"autoscaling", "v2beta2", []string{"HorizontalPodAutoscaler"}, "1.26", "autoscaling/v2", ""},
	{"storage.k8s.io", "v1beta1", []string{"CSIStorageCapacity"}, "1.27", "storage.k8s.io/v1", ""},
	{"flowcontrol.apiserver.k8s.io", "v1beta2", nil, "1.29", "flowcontrol.apiserver.k8s.io/v1", ""},
}

// deprecatedServed are API versions still served but deprecated, for
// which the schemas alone give no hint.
var deprecatedServed = []struct {
	group, version, kind, since, replacement string
}{
	{"", "v1", "Endpoints", "1.33", "discovery.k8s.io/v1 EndpointSlice"},
}

type deprecation struct {
	apiVersion, kind string
	removed          string // removed in this version ("" when only deprecated)
	since            string // deprecated since ("" when unknown)
	replacement      string
	note             string
	notYet           string // first served in this later version (and target is older)
	target           string
}

func (d deprecation) message() string {
	if d.notYet != "" {
		return fmt.Sprintf("%s %s is not served by Kubernetes %s; it is served from Kubernetes %s on", d.apiVersion, d.kind, d.target, d.notYet)
	}
	if d.removed != "" {
		return fmt.Sprintf("%s %s was removed in Kubernetes %s", d.apiVersion, d.kind, d.removed)
	}
	msg := fmt.Sprintf("%s %s is deprecated", d.apiVersion, d.kind)
	if d.since != "" {
		msg += " since Kubernetes " + d.since
	}
	return msg
}

func (d deprecation) hint() string {
	var parts []string
	if d.replacement != "" {
		parts = append(parts, "use "+d.replacement)
	}
	if d.note != "" {
		parts = append(parts, d.note)
	}
	return strings.Join(parts, "; ")
}

func (d deprecation) diagnostic(o *manifest.Object) diag.Diagnostic {
	sev := diag.Warning
	if d.removed != "" {
		sev = diag.Error
	}
	return diag.Diagnostic{Severity: sev, Pos: o.Origin.Where(), Path: o.TreePath(), Object: o.ID(), Identity: o.Identity(),
		Field: "apiVersion", Reason: "Deprecated", Message: d.message(), Hint: d.hint()}
}

// removedAPI reports whether an API version that the target Kubernetes
// version does not serve was removed (or is not yet there).
func removedAPI(group, version, kind, target string) (deprecation, bool) {
	av := version
	if group != "" {
		av = group + "/" + version
	}
	for _, r := range removals {
		if r.group == group && r.version == version && (len(r.kinds) == 0 || contains(r.kinds, kind)) && compareVersions(target, r.removed) >= 0 {
			return deprecation{apiVersion: av, kind: kind, removed: r.removed, replacement: r.replacement, note: r.note}, true
		}
	}
	c, err := builtin()
	if err != nil {
		return deprecation{}, false
	}
	// Served by an older embedded version, not by the target: removed.
	// Served by a newer one only: not there yet.
	var lastServed, firstServed string
	for _, listed := range c.index.Versions {
		vi, ok := c.version(listed.Version)
		if !ok {
			continue
		}
		for _, r := range vi.Resources {
			if r.Group == group && r.Version == version && r.Kind == kind {
				if compareVersions(vi.Version, target) < 0 {
					lastServed = vi.Version
				} else if firstServed == "" && compareVersions(vi.Version, target) > 0 {
					firstServed = vi.Version
				}
			}
		}
	}
	if lastServed != "" {
		d := deprecation{apiVersion: av, kind: kind, removed: nextMinor(lastServed)}
		if s, err := NewSet(target); err == nil {
			for _, t := range s.Resolve(kind) {
				if t.Kind == kind && t.CRD == nil {
					d.replacement = t.APIVersion()
					break
				}
			}
		}
		return d, true
	}
	if firstServed != "" {
		return deprecation{apiVersion: av, kind: kind, notYet: firstServed, target: target}, true
	}
	return deprecation{}, false
}

// deprecation reports a served but deprecated API version: a listed one,
// or an alpha or beta version of a kind the target also serves at a more
// stable version.
func (s *Set) deprecation(t *Type) (deprecation, bool) {
	if t.CRD != nil {
		return deprecation{}, false
	}
	for _, d := range deprecatedServed {
		if d.group == t.Group && d.version == t.Version && d.kind == t.Kind && compareVersions(s.version, d.since) >= 0 {
			return deprecation{apiVersion: t.APIVersion(), kind: t.Kind, since: d.since, replacement: d.replacement}, true
		}
	}
	if stability(t.Version) == 2 {
		return deprecation{}, false
	}
	for _, other := range s.list {
		if other.Group == t.Group && other.Kind == t.Kind && other.CRD == nil && stability(other.Version) > stability(t.Version) {
			return deprecation{apiVersion: t.APIVersion(), kind: t.Kind, replacement: other.APIVersion(),
				note: fmt.Sprintf("API servers serve alpha and beta versions only where enabled (--runtime-config=%s=true); those added since Kubernetes 1.24 are off by default", t.APIVersion())}, true
		}
	}
	return deprecation{}, false
}

// stability ranks alpha 0, beta 1, GA 2.
func stability(version string) int {
	switch {
	case strings.Contains(version, "alpha"):
		return 0
	case strings.Contains(version, "beta"):
		return 1
	}
	return 2
}

func nextMinor(v string) string {
	major, minor, _ := strings.Cut(v, ".")
	var m int
	fmt.Sscanf(minor, "%d", &m)
	return fmt.Sprintf("%s.%d", major, m+1)
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
