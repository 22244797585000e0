package native

import (
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/version"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// The API server's rules ask its feature gates (HPA minReplicas 0 is valid
// only with HPAScaleToZero, a StatefulSet's maxUnavailable is dropped
// without MaxUnavailableStatefulSet, ...). The linked release can emulate
// the gates' defaults of the three minor versions before it, as
// kube-apiserver --emulated-version does; kubenix sets them to the target
// version's, and to the oldest it can emulate for older targets. The gates
// are the process's, so runs for different versions take turns.
var gates sync.Mutex

// oldestEmulated is the oldest minor version whose gate defaults the linked
// release knows: its own minus three.
var oldestEmulated = func() *version.Version {
	v := version.MustParse(Version).SubtractMinor(3)
	return version.MajorMinor(v.Major(), v.Minor())
}()

// withGatesOf runs f with the feature gates at their defaults in the
// Kubernetes version kubeVersion ("1.36"; "" or one that does not parse: the
// linked release's).
func withGatesOf(kubeVersion string, f func()) {
	gates.Lock()
	defer gates.Unlock()
	emulateGatesOf(kubeVersion)
	f()
}

// gatesVersion is the version whose feature gate defaults the rules run
// with for a target version: the target's, within what the linked release
// emulates.
func gatesVersion(kubeVersion string) *version.Version {
	linked := version.MustParse(Version)
	linked = version.MajorMinor(linked.Major(), linked.Minor())
	v, err := version.ParseMajorMinor(kubeVersion)
	switch {
	case err != nil || v.GreaterThan(linked):
		return linked
	case v.LessThan(oldestEmulated):
		return oldestEmulated
	}
	return v
}

func emulateGatesOf(kubeVersion string) {
	v := gatesVersion(kubeVersion)
	g := utilfeature.DefaultMutableFeatureGate
	if g.EmulationVersion().EqualTo(v) {
		return
	}
	// As the server: compatible with the version before. Quietly: the
	// gate logs a warning when an already queried gate changes.
	type quiet interface {
		SetEmulationVersionAndMinCompatibilityVersionWithLogger(logr.Logger, *version.Version, *version.Version) error
	}
	if q, ok := g.(quiet); ok {
		_ = q.SetEmulationVersionAndMinCompatibilityVersionWithLogger(logr.Discard(), v, v.SubtractMinor(1))
		return
	}
	// Only gates set by hand can fail to emulate, and kubenix sets none.
	_ = g.SetEmulationVersion(v)
}
