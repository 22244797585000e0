package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/eval"
	"github.com/kubenix/kubenix/pipeline"
)

func (a *app) checkCommand() *cobra.Command {
	var (
		ev     evalFlags
		cf     checkFlags
		format string
		quiet  bool
	)
	cmd := &cobra.Command{
		Use:   "check PATH...",
		Short: "Validate .nix files and Kubernetes manifests, writing nothing",
		Long: `Validate every object of the given paths as the API server of the target
Kubernetes version would, and write nothing: for pre-commit hooks and CI.

  - .nix files are evaluated as 'kubenix build' evaluates them;
  - .yaml, .yml and .json files are read as kubectl reads them (multi-document,
    kind: List unwrapped), and keys repeated within one mapping are errors;
  - directories are searched recursively for .yaml, .yml and .json files.

CustomResourceDefinitions found in any of them (or given with --crd) validate
the custom resources of all of them. Every problem is reported, with the file,
line and column, the object, the field path and the API server's reason.

Exit codes: 0 all valid (warnings allowed), 1 something is invalid, 2 usage or
environment.`,
		Example: `  kubenix check deploy/app.nix
  kubenix check k8s/ --kube-version 1.31 --crd crds/
  kubenix check app.nix manifests/*.yaml --format github   # annotations in GitHub Actions`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return diag.Usagef("kubenix check needs at least one PATH (see kubenix check --help)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := cf.pipelineOptions()
			opts.Secrets.AllowPlaintext = true // check writes nothing: a warning
			res, err := pipeline.CheckPaths(cmd.Context(), opts, func(file string) (eval.Options, error) { return ev.options(file) }, args)
			if err != nil {
				return a.report(format, err)
			}
			wd, _ := os.Getwd()
			p, err := diag.NewPrinter(format, a.stdout, diag.PrintOptions{Color: colorOK(a.stdout), BaseDir: wd})
			if err != nil {
				return err
			}
			for _, d := range res.Diagnostics {
				p.Print(d)
			}
			sum := res.Summary()
			if quiet && format == "text" {
				sum = nil
			}
			if err := p.Flush(sum); err != nil {
				return err
			}
			if err := res.Diagnostics.Err(); err != nil {
				return reported{err}
			}
			return nil
		},
	}
	ev.register(cmd.Flags())
	cf.register(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "text", "output `FORMAT`: text, json (per object) or github (workflow annotations)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no summary line (text format)")
	return cmd
}
