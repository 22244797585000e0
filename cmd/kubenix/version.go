package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/version"
)

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print kubenix's version",
		Long:    "Print the kubenix version, the commit it was built from, and the Go version.",
		Example: "  kubenix version",
		Args:    usageArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.stdout, "kubenix %s\n", version.String())
			if c := version.CommitID(); c != "" {
				fmt.Fprintf(a.stdout, "commit: %s\n", c)
			}
			fmt.Fprintf(a.stdout, "go: %s\n", runtime.Version())
			return nil
		},
	}
}
