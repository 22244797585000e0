package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/pipeline"
	"github.com/kubenix/kubenix/secrets"
)

func (a *app) evalCommand() *cobra.Command {
	var (
		ev          evalFlags
		cf          checkFlags
		output      string
		format      string
		showSecrets bool
	)
	cmd := &cobra.Command{
		Use:         "eval FILE",
		Annotations: map[string]string{readOnly: "yes"},
		Short:       "Evaluate a Nix file and print its objects",
		Long: `Evaluate and check FILE exactly as 'kubenix build' does and print the objects
on stdout in install order: a YAML stream (one document per object, canonical
form), or with -o json a JSON list. Nothing is written to disk.

The values of Secrets in plain text (data and stringData, and those of the
kinds given with --sensitive-kind) are printed as "(hidden)", and each such
Secret is reported with a warning (kubenix build refuses it); --show-secrets
prints them. SOPS-encrypted Secrets are printed as they are: encrypted.`,
		Example: `  kubenix eval examples/hello/app.nix
  kubenix eval examples/params/app.nix --argstr env prod -o json | jq '.[].kind'`,
		Args: usageArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "yaml" && output != "json" {
				return diag.Usagef("-o must be yaml or json, not %q", output)
			}
			eo, err := ev.options(args[0])
			if err != nil {
				return err
			}
			po := cf.pipelineOptions()
			po.Eval = eo
			po.Secrets.AllowPlaintext = true // eval writes nothing; values are hidden below
			l, err := pipeline.Load(cmd.Context(), po)
			if err != nil {
				return a.report(format, err)
			}
			if len(l.Warnings) > 0 {
				if err := a.printDiagnostics(format, l.Warnings); err != nil {
					return err
				}
			}
			bodies := make([]map[string]any, len(l.Objects))
			for i, o := range l.Objects {
				bodies[i] = o.Body
				if !showSecrets {
					bodies[i] = secrets.Redact(o, po.Secrets)
				}
			}
			if output == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(bodies)
			}
			out, err := manifest.EncodeYAMLStream(bodies)
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(out)
			return err
		},
	}
	ev.register(cmd.Flags())
	cf.register(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "output format: `yaml` (a multi-document stream) or json (a list)")
	cmd.Flags().StringVar(&format, "format", "text", "how to print problems: `text`, json or github")
	cmd.Flags().BoolVar(&showSecrets, "show-secrets", false, "print the values of Secrets in plain text (hidden by default)")
	return cmd
}
