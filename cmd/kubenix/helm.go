package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/nixstore"
)

func (a *app) helmCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "helm",
		Short: "Pin remote Helm charts in kubenix.lock",
		Long: `Remote charts are pinned: 'kubenix helm add' resolves a chart in an HTTP chart
repository or an OCI registry, downloads it into the Nix store and records
its URL, version and sha256 in kubenix.lock. In Nix,

    kubenix.helm.fetch { repo = "https://charts.example.com"; chart = "redis"; version = "^18.0.0"; }

then gives that archive as a fixed-output store path, so builds are offline and
reproducible once locked; pass it as the chart of kubenix.helm.chart.`,
		Example: `  kubenix helm add https://charts.bitnami.com/bitnami redis --version '^18.0.0'
  kubenix helm add oci://registry-1.docker.io/bitnamicharts/redis --version 18.1.0
  kubenix helm update`,
	}
	cmd.AddCommand(a.helmAddCommand(), a.helmUpdateCommand())
	return cmd
}

func (a *app) helmAddCommand() *cobra.Command {
	var (
		o        helmwrap.AddOptions
		nixStore string
	)
	cmd := &cobra.Command{
		Use:         "add REPO CHART --version VERSION | add oci://REGISTRY/PATH/CHART --version VERSION",
		Annotations: map[string]string{lockMayBeNew: "yes"},
		Short:       "Resolve, download and lock a remote chart",
		Long: `Resolve VERSION (an exact version or a range such as ^18.0.0) of CHART in the
chart repository REPO (whose index.yaml lists it) or the OCI registry, download
the archive into the Nix store, check it, and record it in kubenix.lock
(--lock, default ./kubenix.lock). Registries that need a login use the
credentials of 'helm registry login' or docker.`,
		Example: `  kubenix helm add https://charts.example.com redis --version ^18.0.0
  kubenix helm add oci://ghcr.io/example/charts/webapp --version 1.2.3`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && strings.HasPrefix(args[0], "oci://") || len(args) == 2 {
				return nil
			}
			return diag.Usagef("kubenix helm add takes REPO CHART, or one oci:// reference (see --help)")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Repo = args[0]
			if len(args) == 2 {
				o.Chart = args[1]
			}
			if o.Version == "" {
				return diag.Usagef("--version is required: charts are pinned")
			}
			if err := helmwrap.CheckAdd(o); err != nil {
				return err
			}
			st, err := nixstore.Find(nixStore, "", nixstore.EnvDir())
			if err != nil {
				return err
			}
			entry, path, err := helmwrap.Add(cmd.Context(), o, st)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "locked %s %s from %s\n  sha256 %s\n  %s\n", entry.Chart, entry.Version, entry.URL, entry.SHA256, path)
			fmt.Fprintf(a.stdout, "use it with:\n  kubenix.helm.chart { chart = kubenix.helm.fetch { repo = %q; chart = %q; version = %q; }; name = ...; }\n",
				entry.Repo, entry.Chart, o.Version)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Version, "version", "", "the `VERSION` or version range to lock (required)")
	f.StringVar(&o.Lock, "lock", "", "the lock file to write (default ./kubenix.lock)")
	f.BoolVar(&o.PlainHTTP, "plain-http", false, "talk to the OCI registry over plain http (a local registry)")
	f.StringVar(&nixStore, "nix-store", "", "the nix-store `PATH` to run")
	return cmd
}

func (a *app) helmUpdateCommand() *cobra.Command {
	var lockPath, nixStore string
	cmd := &cobra.Command{
		Use:   "update [KEY...]",
		Short: "Re-resolve locked charts to the newest versions their ranges allow",
		Long: `Resolve the version range of every locked chart (or of the given lock keys,
repo/chart@range) again, download what changed into the Nix store, and update
kubenix.lock. A chart whose version stays but whose archive changed is
reported as republished.`,
		Example: `  kubenix helm update
  kubenix helm update https://charts.example.com/redis@^18.0.0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := nixstore.Find(nixStore, "", nixstore.EnvDir())
			if err != nil {
				return err
			}
			updated, err := helmwrap.Update(cmd.Context(), lockPath, st, args)
			if err != nil {
				return err
			}
			for _, u := range updated {
				switch {
				case u.New.Version != u.Old.Version:
					fmt.Fprintf(a.stdout, "%s: %s -> %s\n", u.Key, u.Old.Version, u.New.Version)
				case u.New.SHA256 != u.Old.SHA256:
					fmt.Fprintf(a.stdout, "%s: %s republished (sha256 %s -> %s)\n", u.Key, u.Old.Version, short(u.Old.SHA256), short(u.New.SHA256))
				default:
					fmt.Fprintf(a.stdout, "%s: %s, unchanged\n", u.Key, u.Old.Version)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lockPath, "lock", "", "the lock file (default ./kubenix.lock)")
	cmd.Flags().StringVar(&nixStore, "nix-store", "", "the nix-store `PATH` to run")
	return cmd
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
