package image

import (
	"slices"
	"strings"

	"github.com/kubenix/kubenix/manifest"
)

// Use is one image field of one object.
type Use struct {
	Object *manifest.Object
	Field  string // spec.template.spec.containers[0].image
	Ref    string
	set    func(string)
}

// Set rewrites the reference in the object.
func (u *Use) Set(ref string) {
	u.set(ref)
	u.Ref = ref
}

// podSpecPaths are where workloads keep their pod spec.
var podSpecPaths = [][]string{
	{"spec"},                     // Pod
	{"template", "spec"},         // PodTemplate
	{"spec", "template", "spec"}, // Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job
	{"spec", "jobTemplate", "spec", "template", "spec"}, // CronJob
}

// ExtraField is an additional place where a kind keeps an image reference
// (a custom resource's spec.image), as Kind:dotted.path.
type ExtraField struct {
	Kind string
	Path []string
}

// ParseExtraField reads "Kind:spec.image" (a path segment "[]" walks a list).
func ParseExtraField(s string) (ExtraField, bool) {
	kind, path, ok := strings.Cut(s, ":")
	if !ok || kind == "" || path == "" {
		return ExtraField{}, false
	}
	parts := strings.Split(strings.ReplaceAll(path, "[]", ".[]"), ".")
	if slices.Contains(parts, "") { // spec..image, .spec, spec.: a field with no name
		return ExtraField{}, false
	}
	return ExtraField{Kind: kind, Path: parts}, true
}

// Find returns every image reference of the objects: the containers,
// initContainers and ephemeralContainers of every pod spec (whatever the
// workload kind, charts' objects included), and the extra fields.
func Find(objs []*manifest.Object, extra []ExtraField) []*Use {
	var uses []*Use
	for _, o := range objs {
		for _, p := range podSpecPaths {
			spec, ok := walkMap(o.Body, p)
			if !ok {
				continue
			}
			if p[0] == "spec" && len(p) == 1 && o.Kind != "Pod" {
				continue
			}
			for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
				cs, _ := spec[list].([]any)
				for i, c := range cs {
					cm, ok := c.(map[string]any)
					if !ok {
						continue
					}
					ref, ok := cm["image"].(string)
					if !ok {
						continue
					}
					field := strings.Join(p, ".") + "." + list + "[" + itoa(i) + "].image"
					uses = append(uses, &Use{Object: o, Field: field, Ref: ref, set: func(r string) { cm["image"] = r }})
				}
			}
		}
		for _, e := range extra {
			if e.Kind == o.Kind {
				uses = append(uses, findPath(o, o.Body, e.Path, "")...)
			}
		}
	}
	return uses
}

func findPath(o *manifest.Object, v any, path []string, field string) []*Use {
	if len(path) == 0 {
		return nil
	}
	seg := path[0]
	if seg == "[]" {
		l, _ := v.([]any)
		var out []*Use
		for i, e := range l {
			out = append(out, findPath(o, e, path[1:], field+"["+itoa(i)+"]")...)
		}
		return out
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	f := seg
	if field != "" {
		f = field + "." + seg
	}
	if len(path) == 1 {
		ref, ok := m[seg].(string)
		if !ok {
			return nil
		}
		return []*Use{{Object: o, Field: f, Ref: ref, set: func(r string) { m[seg] = r }}}
	}
	return findPath(o, m[seg], path[1:], f)
}

func walkMap(v any, path []string) (map[string]any, bool) {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v = m[p]
	}
	m, ok := v.(map[string]any)
	return m, ok
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
