package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/pipeline"
)

func (a *app) buildCommand() *cobra.Command {
	var (
		ev       evalFlags
		cf       checkFlags
		opts     pipeline.BuildOptions
		format   string
		timings  bool
		images   string
		fromJSON string
	)
	cmd := &cobra.Command{
		Use:   "build FILE",
		Short: "Evaluate a Nix file and write its manifests to ./result",
		Long: `Evaluate FILE (a .nix file, or a directory with default.nix), check every
object, and write one YAML file per object in install order.

By default the result goes into the Nix store and ./result links to it (a GC
root, as nix-build makes): a directory of symlinks named so that
'kubectl apply -f result/' applies Namespaces and CRDs before the objects that
need them, each pointing at an immutable content-addressed file. The same
input always gives the same store path and the same bytes.

With --out-dir DIR, plain files are written into DIR instead (for repositories
that commit their manifests); files of earlier builds that are no longer
produced are removed. Nothing is written when any object is invalid, and an
interrupted build leaves the previous result as it was.

Every object is validated against the OpenAPI schema of the target
Kubernetes version (--kube-version) and the CRDs in the build (or given with
--crd), as the API server would validate it; namespaced objects without a
namespace get --namespace.

FILE evaluates to an attrset or list (nested freely) of Kubernetes objects,
or to a function returning one; the function's arguments are passed by name:
'kubenix' (the library), anything given with --arg/--argstr, and 'pkgs' and
'lib' when <nixpkgs> is on the search path.

With --from-json TREE instead of FILE, the app was evaluated elsewhere and
TREE is the JSON of its value (builtins.toJSON, nix eval --json): kubenix
checks, orders and writes it as it would an evaluated FILE. This is how the
flake's kubenix.lib.manifests writes manifests inside a derivation, where
Nix cannot run. Diagnostics name TREE, the tree path and the object, but no
line; image references tagged with a store hash are Nix-built images when
that store path exists (--images build then pins them by digest).`,
		Example: `  kubenix build examples/hello/app.nix
  kubectl apply -f result/

  kubenix build ./app.nix --images build    # build Nix images, pin them by digest

  kubenix build ./app.nix --argstr env prod --out-link result-prod
  kubenix build ./app.nix --out-dir deploy/manifests   # plain files, for git

  nix eval --json -f tree.nix > tree.json
  kubenix build --from-json tree.json --out-dir deploy/manifests`,
		Args: func(cmd *cobra.Command, args []string) error {
			if fromJSON != "" {
				return usageArgs(0, "no FILE with --from-json (the JSON tree replaces it)")(cmd, args)
			}
			return usageArgs(1, "one FILE")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.OutDir != "" && (cmd.Flags().Changed("out-link") || opts.NoLink) {
				return diag.Usagef("--out-dir writes plain files; it cannot be combined with --out-link or --no-out-link")
			}
			file := ""
			if len(args) == 1 {
				file = args[0]
			} else if ev.evaluates() {
				return diag.Usagef("--arg, --argstr and -I are for evaluating a FILE; --from-json reads a tree that is evaluated already")
			}
			eo, err := ev.options(file)
			if err != nil {
				return err
			}
			link, noLink, dir, store := opts.OutLink, opts.NoLink, opts.OutDir, opts.NixStore
			opts.Options = cf.pipelineOptions()
			opts.Eval = eo
			opts.FromJSON = fromJSON
			switch images {
			case "build":
				opts.BuildImages = true
			case "", "tag":
			default:
				return diag.Usagef("--images takes build (or tag, the default), not %q", images)
			}
			opts.OutLink, opts.NoLink, opts.OutDir, opts.NixStore = link, noLink, dir, store
			start := time.Now()
			b, err := pipeline.Build(cmd.Context(), opts)
			if err != nil {
				return a.report(format, err)
			}
			if len(b.Warnings) > 0 {
				if err := a.printDiagnostics(format, b.Warnings); err != nil {
					return err
				}
			}
			where := b.Written
			if b.StorePath != "" && b.Written != b.StorePath {
				where = b.Written + " -> " + b.StorePath
			}
			fmt.Fprintf(a.stderr, "kubenix: %d objects written to %s\n", len(b.Objects), where)
			if timings {
				t := b.Timings
				fmt.Fprintf(a.stderr, "kubenix: timings: eval %s, extract %s, validate %s, render %s, write %s, total %s\n",
					ms(t.Eval), ms(t.Extract), ms(t.Validate), ms(t.Render), ms(t.Write), ms(time.Since(start)))
				if t.Renders+t.CachedRenders > 0 {
					fmt.Fprintf(a.stderr, "kubenix: helm: %d charts rendered, %d from the cache\n", t.Renders, t.CachedRenders)
				}
			}
			if b.StorePath != "" {
				fmt.Fprintln(a.stdout, b.StorePath)
			} else {
				fmt.Fprintln(a.stdout, b.Written)
			}
			return nil
		},
	}
	ev.register(cmd.Flags())
	cf.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&opts.OutLink, "out-link", "result", "the `PATH` of the symlink to the store result (a GC root)")
	f.BoolVar(&opts.NoLink, "no-out-link", false, "add the result to the store without creating a link")
	f.StringVar(&opts.OutDir, "out-dir", "", "write plain files into `DIR` instead of the Nix store")
	f.StringVar(&opts.NixStore, "nix-store", "", "the nix-store `PATH` to run (default: next to nix-instantiate)")
	f.StringVar(&format, "format", "text", "how to print problems: `text`, json or github (workflow annotations)")
	f.BoolVar(&timings, "timings", false, "print how long each stage took")
	f.StringVar(&fromJSON, "from-json", "", "build from `TREE`, the JSON of an app evaluated elsewhere (builtins.toJSON), instead of a FILE")
	f.StringVar(&images, "images", "tag", "`MODE` for Nix-built images: tag (registry/name:<store hash>) or build (build them and pin by digest: ...@sha256:...)")
	return cmd
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
