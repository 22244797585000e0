package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/schema"
)

// helperContext sets what the kubenix library needs to call back into
// kubenix during evaluation (kubenix.helm.chart, fromYAML): the binary, the
// target version and API, the render cache, and the lock.
func helperContext(opts *Options, set *schema.Set, extraAPIs []string, lf *lock.File) error {
	bin, err := os.Executable()
	if err != nil {
		return &diag.UsageError{Err: fmt.Errorf("cannot find the kubenix binary for Nix to call: %w", err)}
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "default"
	}
	apis := append(helmwrap.BuiltinAPIVersions(set.KubernetesVersion()), extraAPIs...)
	slices.Sort(apis)
	opts.Eval.Context = map[string]any{
		"bin":           bin,
		"version":       opts.Eval.Version,
		"kubeVersion":   set.KubernetesVersion(),
		"namespace":     ns,
		"apiVersions":   apis,
		"cacheDir":      opts.Eval.CacheDir,
		"strict":        opts.Strict,
		"imageRegistry": imageRegistry(opts.ImageRegistry),
		"lock":          map[string]any{"charts": lf.ChartsForNix()},
	}
	return nil
}

// stats reads what the helpers reported: renders and cache hits, and
// charts that render differently each time (warnings).
func stats(lines []string) ([]helmwrap.Stat, diag.List) {
	var out []helmwrap.Stat
	var warns diag.List
	for _, line := range lines {
		var s helmwrap.Stat
		if json.Unmarshal([]byte(line), &s) != nil {
			continue
		}
		out = append(out, s)
		if len(s.Nondeterministic) > 0 {
			warns = append(warns, diag.Diagnostic{
				Severity: diag.Warning,
				Message:  fmt.Sprintf("chart %s (release %s) renders differently each time: %s; the output is not reproducible", s.Chart, s.Release, strings.Join(s.Nondeterministic, ", ")),
				Hint:     "kubenix keeps the first render in its cache (unless it holds a Secret in plain text); set the generated values (passwords, certificates) in values, and use --strict to make this an error",
			})
		}
	}
	return out, warns
}

func imageRegistry(r string) string {
	if r == "" {
		return "localhost:5000"
	}
	return r
}
