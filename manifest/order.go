package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// installRank orders kinds for installation: Helm's install order
// (helm.sh/helm/v3/pkg/releaseutil.InstallOrder), then kinds Helm does not
// know (custom resources among them) at rankUnknown, then admission webhooks
// and policies last, so that they cannot block the objects of the same apply.
// The numbers are part of the file names and never change meaning.
var installRank = map[string]int{
	"PriorityClass":            0,
	"Namespace":                10,
	"NetworkPolicy":            20,
	"ResourceQuota":            30,
	"LimitRange":               40,
	"PodSecurityPolicy":        50,
	"PodDisruptionBudget":      60,
	"ServiceAccount":           70,
	"Secret":                   80,
	"SecretList":               90,
	"ConfigMap":                100,
	"StorageClass":             110,
	"PersistentVolume":         120,
	"PersistentVolumeClaim":    130,
	"CustomResourceDefinition": 140,
	"ClusterRole":              150,
	"ClusterRoleList":          160,
	"ClusterRoleBinding":       170,
	"ClusterRoleBindingList":   180,
	"Role":                     190,
	"RoleList":                 200,
	"RoleBinding":              210,
	"RoleBindingList":          220,
	"Service":                  230,
	"DaemonSet":                240,
	"Pod":                      250,
	"ReplicationController":    260,
	"ReplicaSet":               270,
	"Deployment":               280,
	"HorizontalPodAutoscaler":  290,
	"StatefulSet":              300,
	"Job":                      310,
	"CronJob":                  320,
	"IngressClass":             330,
	"Ingress":                  340,
	"APIService":               350,
	// rankUnknown: 500
	"MutatingWebhookConfiguration":     900,
	"ValidatingWebhookConfiguration":   910,
	"MutatingAdmissionPolicy":          920,
	"MutatingAdmissionPolicyBinding":   930,
	"ValidatingAdmissionPolicy":        940,
	"ValidatingAdmissionPolicyBinding": 950,
}

const rankUnknown = 500

// Rank returns the install rank of a kind: lower installs earlier.
func Rank(kind string) int {
	if r, ok := installRank[kind]; ok {
		return r
	}
	return rankUnknown
}

// Order sorts objects into install order (see InstallOrder), then by
// apiVersion, so that the order never depends on how the input was written.
func Order(objs []*Object) {
	slices.SortStableFunc(objs, func(a, b *Object) int {
		if c := InstallOrder(a.Key(), b.Key()); c != 0 {
			return c
		}
		return strings.Compare(a.APIVersion, b.APIVersion)
	})
}

// InstallOrder compares two objects by when they install: by rank of kind,
// then kind, group, namespace and name.
func InstallOrder(a, b Key) int {
	if c := Rank(a.Kind) - Rank(b.Kind); c != 0 {
		return c
	}
	for _, c := range [][2]string{{a.Kind, b.Kind}, {a.Group, b.Group}, {a.Namespace, b.Namespace}, {a.Name, b.Name}} {
		if r := strings.Compare(c[0], c[1]); r != 0 {
			return r
		}
	}
	return 0
}

// FileNames gives each object (in the order given, which should be install
// order) a file name that sorts in install order, is lowercase and safe on
// every file system, ends in .yaml, and is unique within the set:
// 0010-namespace-web.yaml, 0280-deployment-web-api.yaml.
func FileNames(objs []*Object) []string {
	names := make([]string, len(objs))
	taken := map[string]bool{}
	for i, o := range objs {
		parts := []string{o.Kind}
		if o.Namespace != "" {
			parts = append(parts, o.Namespace)
		}
		parts = append(parts, o.Name)
		base := fmt.Sprintf("%04d-%s", Rank(o.Kind), safeName(strings.Join(parts, "-")))
		if len(base) > 200 {
			base = strings.TrimRight(base[:200], "-.")
		}
		name := base + ".yaml"
		if taken[name] {
			// Same kind, namespace and name in another group, or names that
			// differ only in characters the file name cannot keep.
			k := o.Key()
			sum := sha256.Sum256([]byte(k.Group + "\x00" + k.Kind + "\x00" + k.Namespace + "\x00" + k.Name))
			name = base + "-" + hex.EncodeToString(sum[:4]) + ".yaml"
		}
		taken[name] = true
		names[i] = name
	}
	return names
}

func safeName(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), ".")
}
