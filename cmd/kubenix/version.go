package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/schema"
	"github.com/kubenix/kubenix/version"
)

// versionInfo is what `kubenix version -o json` prints.
type versionInfo struct {
	Version    string `json:"version"`
	Commit     string `json:"commit,omitempty"`
	Go         string `json:"go"`
	Kubernetes struct {
		Versions []string          `json:"versions"` // oldest first
		Default  string            `json:"default"`
		Sources  map[string]string `json:"sources"` // the Go modules each version's schemas came from
	} `json:"kubernetes"`
}

func currentVersion() versionInfo {
	v := versionInfo{Version: version.String(), Commit: version.CommitID(), Go: runtime.Version()}
	v.Kubernetes.Versions = schema.Versions()
	v.Kubernetes.Default = schema.DefaultVersion()
	v.Kubernetes.Sources = schema.Sources()
	return v
}

func (a *app) versionCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print kubenix's version and the Kubernetes versions it knows",
		Long: `Print the kubenix version, the commit it was built from, the Go version, and
the Kubernetes versions whose API kubenix validates against (--kube-version),
with the default, the newest.`,
		Example: `  kubenix version
  kubenix version -o json | jq -r .kubernetes.default`,
		Args: usageArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v := currentVersion()
			switch output {
			case "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			case "text", "":
			default:
				return diag.Usagef("-o takes text or json, not %q", output)
			}
			fmt.Fprintf(a.stdout, "kubenix %s\n", v.Version)
			if v.Commit != "" {
				fmt.Fprintf(a.stdout, "commit: %s\n", v.Commit)
			}
			fmt.Fprintf(a.stdout, "go: %s\n", v.Go)
			fmt.Fprintf(a.stdout, "kubernetes: %s (default %s)\n", strings.Join(v.Kubernetes.Versions, ", "), v.Kubernetes.Default)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "`FORMAT`: text or json")
	return cmd
}
