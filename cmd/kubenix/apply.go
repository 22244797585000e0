package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/apply"
	"github.com/kubenix/kubenix/diag"
)

func (a *app) applyCommand() *cobra.Command {
	var opts apply.Options
	var dryRun string
	cmd := &cobra.Command{
		Use:   "apply [RESULT]",
		Short: "Apply a result with kubectl, CRDs first",
		Long: `Apply RESULT (default ./result, or any directory of manifests) with kubectl.

kubectl resolves the kind of every object before it applies anything, so one
'kubectl apply -f result/' fails when the result holds CRDs and custom
resources of them. kubenix apply does it in phases: the CRDs and Namespaces,
then waits until the CRDs are established, then the whole directory. A result
without CRDs is applied in one 'kubectl apply -f RESULT/'.

With --dry-run=server the API server checks everything and nothing persists;
objects that need a CRD or Namespace the cluster does not have yet cannot be
checked that way, and are named and skipped.

kubectl's output is passed through; --kubeconfig and --context go to kubectl.`,
		Example: `  kubenix build app.nix && kubenix apply
  kubenix apply result-prod --context prod --server-side
  kubenix apply --dry-run=server`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return diag.Usagef("kubenix apply takes at most one RESULT (got %d arguments)", len(args))
			}
			dir := "result"
			if len(args) == 1 {
				dir = args[0]
			}
			switch dryRun {
			case "none", "":
			case "server":
				opts.DryRun = true
			default:
				return diag.Usagef("--dry-run takes server (or none), not %q: a client-side dry run cannot check a result", dryRun)
			}
			kubectl, err := apply.FindKubectl(opts.Kubectl)
			if err != nil {
				return err
			}
			opts.Kubectl = kubectl
			plan, err := apply.Read(dir)
			if err != nil {
				return a.report("text", err)
			}
			opts.Stdout, opts.Stderr = a.stdout, a.stderr
			opts.Progress = a.applyStep
			return apply.Run(cmd.Context(), plan, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Kubectl, "kubectl", "", "the kubectl `PATH` to run (default: found on PATH)")
	f.StringVar(&opts.Kubeconfig, "kubeconfig", "", "the kubeconfig `FILE`, passed to kubectl")
	f.StringVar(&opts.Context, "context", "", "the kubeconfig `CONTEXT`, passed to kubectl")
	f.BoolVar(&opts.ServerSide, "server-side", false, "apply on the server (server-side apply, field manager kubenix)")
	f.StringVar(&dryRun, "dry-run", "none", "`server`: have the API server check everything and persist nothing")
	f.DurationVar(&opts.Timeout, "timeout", time.Minute, "how long to wait for CRDs to be established")
	return cmd
}

// applyStep tells the user what kubenix apply is doing.
func (a *app) applyStep(s apply.Step) {
	var msg string
	switch s.Kind {
	case apply.Applying:
		msg = "applying " + objects(s.Objects)
	case apply.ApplyingFirst:
		msg = "applying " + objects(s.Objects) + " first"
	case apply.Waiting:
		msg = fmt.Sprintf("waiting for %d CRDs to be established", s.CRDs)
	case apply.ApplyingDecrypted:
		msg = "applying " + objects(s.Objects) + ", decrypted in memory (server-side)"
	case apply.Skipped:
		msg = fmt.Sprintf("dry run: skipped %s: %s must exist first, and a dry run persists nothing (apply for real to check them)",
			objects(s.Objects), strings.Join(s.Missing, ", "))
	}
	fmt.Fprintln(a.stderr, "kubenix: "+msg)
}

func objects(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}
