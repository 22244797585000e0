package main

import (
	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/schema"
)

func (a *app) explainCommand() *cobra.Command {
	var (
		kubeVersion, apiVersion string
		crds                    []string
		recursive               bool
	)
	cmd := &cobra.Command{
		Use:   "explain RESOURCE[.FIELD...]",
		Short: "Describe a resource or field from the embedded schemas, offline",
		Long: `Print the type and description of a resource or one of its fields, and the
fields it has, as 'kubectl explain' does, but from the schemas kubenix embeds
for each Kubernetes version (and from CRDs given with --crd): no cluster needed.

RESOURCE is a kind, plural, singular or short name (deployment, deployments,
deploy), optionally qualified by group (deployments.apps).`,
		Example: `  kubenix explain deployment.spec.strategy
  kubenix explain svc.spec.type --kube-version 1.30
  kubenix explain hpa --api-version autoscaling/v2 --recursive
  kubenix explain widgets.spec --crd crds/widgets.yaml`,
		Args: usageArgs(1, "one RESOURCE[.FIELD...]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !resourceArg.MatchString(args[0]) {
				return diag.Usagef("%q is not a RESOURCE[.FIELD...]: a resource name (deployment, deployments.apps), then field names, separated by dots", args[0])
			}
			set, err := schema.NewSet(kubeVersion)
			if err != nil {
				return &diag.UsageError{Err: err}
			}
			defs, d, err := manifest.ReadCRDs(crds)
			if err != nil {
				return err
			}
			if err := d.Err(); err != nil {
				return a.report("text", err)
			}
			set = set.With(defs)
			if err := set.Explain(a.stdout, args[0], schema.ExplainOptions{APIVersion: apiVersion, Recursive: recursive}); err != nil {
				return &diag.UsageError{Err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeVersion, "kube-version", "", "the Kubernetes `VERSION` whose schemas to use (default: the newest known)")
	f.StringVar(&apiVersion, "api-version", "", "the `GROUP/VERSION` to explain when a resource has several")
	f.StringArrayVar(&crds, "crd", nil, "CustomResourceDefinitions to explain, from a `PATH` (file or directory; repeatable)")
	f.BoolVar(&recursive, "recursive", false, "list every nested field (without descriptions)")
	return cmd
}
