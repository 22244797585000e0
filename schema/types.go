package schema

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubenix/kubenix/manifest"
)

// Type is a kind a build can create: a built-in kind of the target
// Kubernetes version, or a custom resource of a CRD known to the build.
type Type struct {
	Group, Version, Kind string
	Plural, Singular     string
	ShortNames           []string
	Namespaced           bool
	// CRD is the CustomResourceDefinition that defines a custom resource
	// (nil for built-in kinds).
	CRD *manifest.Object

	set        *Set
	definition string                         // built-in: the root OpenAPI definition
	crdSchema  *apiextensions.JSONSchemaProps // custom resources: the version's schema (nil: none)

	once     sync.Once
	compiled *compiled
	err      error
}

// APIVersion returns group/version, or version for the core group.
func (t *Type) APIVersion() string {
	if t.Group == "" {
		return t.Version
	}
	return t.Group + "/" + t.Version
}

// String names the type for messages: apps/v1 Deployment.
func (t *Type) String() string { return t.APIVersion() + " " + t.Kind }

// Set is the API a build validates against: the built-in kinds of one
// Kubernetes version plus the custom resources of every CRD added to it.
type Set struct {
	version string
	cat     *catalog
	vi      *versionIndex
	types   map[gvk]*Type
	list    []*Type
	badCRDs map[string]*manifest.Object // group/kind -> an invalid CRD for it
	// crdChecked is the API server's verdict on each CRD With read (nil:
	// valid), so that validating the CRD does not convert and check it
	// again: for CRDs of megabytes, most of a build's validation.
	crdChecked map[*manifest.Object]field.ErrorList
	defs       *defCache
	// onMachinery, for tests, learns how many errors the API server's
	// machinery found in a full check (extra checks not counted).
	onMachinery func(n int)
}

type gvk struct{ group, version, kind string }

// defCache holds built-in definitions already converted for validation,
// shared between types and between a set and those With makes of it (a
// PodSpec is converted once for Deployments, Jobs and Pods).
type defCache struct {
	mu        sync.Mutex
	converted map[string]*apiextensions.JSONSchemaProps
	rules     map[string]bool // definition -> has CEL rules somewhere
}

// NewSet returns the built-in API of a Kubernetes version ("1.31"); ""
// means DefaultVersion.
func NewSet(version string) (*Set, error) {
	c, err := builtin()
	if err != nil {
		return nil, err
	}
	if version == "" {
		version = DefaultVersion()
	}
	version = NormalizeVersion(version)
	vi, ok := c.version(version)
	if !ok {
		return nil, fmt.Errorf("no schemas for Kubernetes %s; kubenix knows %s", version, strings.Join(Versions(), ", "))
	}
	s := &Set{version: version, cat: c, vi: vi, types: map[gvk]*Type{},
		defs: &defCache{converted: map[string]*apiextensions.JSONSchemaProps{}, rules: map[string]bool{}}}
	for _, r := range vi.Resources {
		t := &Type{Group: r.Group, Version: r.Version, Kind: r.Kind, Plural: r.Plural, Singular: r.Singular,
			ShortNames: r.ShortNames, Namespaced: r.Namespaced, definition: r.Definition, set: s}
		s.add(t)
	}
	return s, nil
}

// KubernetesVersion is the minor version of the built-in API, e.g. "1.37".
func (s *Set) KubernetesVersion() string { return s.version }

func (s *Set) add(t *Type) {
	k := gvk{t.Group, t.Version, t.Kind}
	if _, ok := s.types[k]; !ok {
		s.list = append(s.list, t)
	}
	s.types[k] = t
}

// Lookup finds the type of an apiVersion and kind.
func (s *Set) Lookup(apiVersion, kind string) (*Type, bool) {
	group, version := splitAPIVersion(apiVersion)
	t, ok := s.types[gvk{group, version, kind}]
	return t, ok
}

func splitAPIVersion(apiVersion string) (group, version string) {
	if i := strings.IndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i], apiVersion[i+1:]
	}
	return "", apiVersion
}

// Types returns every type, built-in first, in a stable order.
func (s *Set) Types() []*Type { return slices.Clone(s.list) }

// Resolve finds types by the names kubectl accepts: plural, singular,
// short name or kind, case-insensitively, optionally qualified by group
// (deployments.apps). Preferred versions come first.
func (s *Set) Resolve(name string) []*Type {
	name = strings.ToLower(name)
	res, group, qualified := strings.Cut(name, ".")
	var out []*Type
	for _, t := range s.list {
		if qualified && t.Group != group {
			continue
		}
		if res == t.Plural || res == t.Singular || res == strings.ToLower(t.Kind) || slices.Contains(t.ShortNames, res) {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b *Type) int {
		pa, pb := s.preferred(a), s.preferred(b)
		switch {
		case pa && !pb:
			return -1
		case pb && !pa:
			return 1
		}
		return 0
	})
	return out
}

func (s *Set) preferred(t *Type) bool {
	if t.CRD != nil {
		return true
	}
	return s.vi.Preferred[t.Group] == t.Version
}

// ResolvePlural finds the type for a keyed-resources attribute name such
// as deployments or ingresses: the preferred version of that plural.
func (s *Set) ResolvePlural(plural string) (*Type, error) {
	var matches []*Type
	for _, t := range s.Resolve(plural) {
		if t.Plural == plural {
			matches = append(matches, t)
		}
	}
	if len(matches) == 0 {
		msg := fmt.Sprintf("no resource type named %q in Kubernetes %s or the build's CRDs", plural, s.version)
		if near := s.nearestPlural(plural); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return matches[0], nil
}

// PluralKind gives the apiVersion (the preferred version) and kind of a
// plural, as manifest.ResolveKeyed asks for them.
func (s *Set) PluralKind(plural string) (apiVersion, kind string, err error) {
	t, err := s.ResolvePlural(plural)
	if err != nil {
		return "", "", err
	}
	return t.APIVersion(), t.Kind, nil
}

// nearestPlural suggests a known plural within two edits of a misspelled one.
func (s *Set) nearestPlural(p string) string {
	best, bestD := "", 3
	for _, t := range s.list {
		if d := editDistance(p, t.Plural); d < bestD || d == bestD && t.Plural < best {
			best, bestD = t.Plural, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
