package nixcall

import (
	"fmt"
	"strings"

	"github.com/kubenix/kubenix/diag"
)

// Warnings are what the stats of an evaluation warn of: charts that render
// differently each time.
func Warnings(stats []Stat) diag.List {
	var warns diag.List
	for _, s := range stats {
		if len(s.Nondeterministic) > 0 {
			warns = append(warns, diag.Diagnostic{
				Severity: diag.Warning,
				Message:  fmt.Sprintf("chart %s (release %s) renders differently each time: %s; the output is not reproducible", s.Chart, s.Release, strings.Join(s.Nondeterministic, ", ")),
				Hint:     "kubenix keeps the first render in its cache (unless it holds a Secret in plain text); set the generated values (passwords, certificates) in values, and use --strict to make this an error",
			})
		}
	}
	return warns
}
