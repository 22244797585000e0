package pipeline

import (
	"slices"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/nixcall"
	"github.com/kubenix/kubenix/schema"
)

// helperContext sets what the kubenix library needs of the run
// (kubenix.helm.chart, fromYAML): the target version and API, the lock,
// and who answers its calls into Go.
func helperContext(opts *Options, set *schema.Set, extraAPIs []string, lf *lock.File) error {
	ns := opts.Namespace
	if ns == "" {
		ns = manifest.DefaultNamespace
	}
	apis := append(helmwrap.BuiltinAPIVersions(set.KubernetesVersion()), extraAPIs...)
	slices.Sort(apis)
	opts.Eval.Context = &nixcall.Context{
		Version:       opts.Eval.Version,
		KubeVersion:   set.KubernetesVersion(),
		Namespace:     ns,
		APIVersions:   apis,
		Strict:        opts.Strict,
		ImageRegistry: imageRegistry(opts.ImageRegistry),
		Lock:          nixcall.Lock{Charts: lf.ChartsForNix()},
	}
	opts.Eval.Calls = nixcall.NewServer(opts.Eval.CacheDir, opts.Strict)
	return nil
}

// stats are the calls the library reported, and what they warn of.
func stats(s []nixcall.Stat) ([]nixcall.Stat, diag.List) {
	return s, nixcall.Warnings(s)
}

func imageRegistry(r string) string {
	if r == "" {
		return "localhost:5000"
	}
	return r
}
