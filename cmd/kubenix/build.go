package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/apply"
	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/objdiff"
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
		diff     bool
	)
	cmd := &cobra.Command{
		Use:   "build FILE",
		Short: "Evaluate a Nix file and write its manifests to ./result",
		Long: `Evaluate FILE (a .nix file, or a directory with default.nix), check every
object, and write one YAML file per object in install order.

By default the result goes into the Nix store and ./result links to it (a GC
root, as nix-build makes): a directory of symlinks named so that
'kubectl apply -f result/' applies Namespaces before the objects in them,
each pointing at an immutable content-addressed file, and crds/ with the
build's CRDs once more. The same input always gives the same store path and
the same bytes. A build whose custom resources need CRDs it defines is
applied in two steps (build prints them), or with 'kubenix apply'.

With --out-dir DIR, plain files are written into DIR instead (for repositories
that commit their manifests); files of earlier builds that are no longer
produced are removed. Nothing is written when any object is invalid, and an
interrupted build leaves the previous result as it was.

With --diff, the build also prints on stdout, before the store path, how the
new result differs from the one it replaces (the --out-link target or the
--out-dir), as 'kubenix diff' does; with no previous result every object is
added. The exit status stays that of the build.

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
  kubenix build ./app.nix --diff            # and show what changed since the last build

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
			if opts.BuildImages, err = buildImages(images); err != nil {
				return err
			}
			opts.OutLink, opts.NoLink, opts.OutDir, opts.NixStore = link, noLink, dir, store
			var previous *objdiff.Side
			if diff {
				if previous, err = a.previousResult(cmd.Context(), opts, format); err != nil {
					return err
				}
			}
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
			if crs := manifest.NeedOwnCRDs(b.Objects); len(crs) > 0 {
				what := crs[0].ID() + " is a custom resource of a CRD"
				if len(crs) > 1 {
					what = fmt.Sprintf("%s and %d more objects are custom resources of CRDs", crs[0].ID(), len(crs)-1)
				}
				fmt.Fprintf(a.stderr, "kubenix: %s this build defines;\n"+
					"  kubectl looks up every kind before it applies anything, so apply the CRDs first:\n"+
					"    %s\n"+
					"  or let kubenix take these steps: kubenix apply %s\n",
					what, strings.Join(apply.ByHand(b.Written), " && "), b.Written)
			}
			if timings {
				t := b.Timings
				fmt.Fprintf(a.stderr, "kubenix: timings: eval %s, extract %s, validate %s, render %s, write %s, total %s\n",
					ms(t.Eval), ms(t.Extract), ms(t.Validate), ms(t.Render), ms(t.Write), ms(time.Since(start)))
				if t.Renders+t.CachedRenders > 0 {
					fmt.Fprintf(a.stderr, "kubenix: helm: %d charts rendered, %d from the cache\n", t.Renders, t.CachedRenders)
				}
			}
			if previous != nil {
				res, err := objdiff.Compare(previous, objdiff.FilesSide(b.Written, b.Files), objdiff.Options{Context: objdiff.DefaultContext})
				if err != nil {
					return err
				}
				if err := objdiff.WriteText(a.stdout, res, objdiff.TextOptions{Color: colorOK(a.stdout)}); err != nil {
					return err
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
	f.BoolVar(&diff, "diff", false, "print how the new result differs from the one it replaces (see kubenix diff)")
	f.StringVar(&fromJSON, "from-json", "", "build from `TREE`, the JSON of an app evaluated elsewhere (builtins.toJSON), instead of a FILE")
	f.StringVar(&images, "images", "tag", "`MODE` for Nix-built images: tag (registry/name:<store hash>) or build (build them and pin by digest: ...@sha256:...)")
	return cmd
}

// previousResult reads the result a build is about to replace, for --diff;
// it is read before the build, which may replace it.
func (a *app) previousResult(ctx context.Context, opts pipeline.BuildOptions, format string) (*objdiff.Side, error) {
	where := opts.OutDir
	if where == "" {
		if opts.NoLink {
			return nil, &diag.UsageError{
				Err:  errors.New("--diff compares with the result a build replaces, and --no-out-link replaces none"),
				Hint: "compare with any result: kubenix diff RESULT FILE",
			}
		}
		where = opts.OutLink
		if where == "" {
			where = "result"
		}
	}
	ld := &objdiff.Loader{Options: opts.Options}
	s, err := ld.LoadPrevious(ctx, where)
	if err != nil {
		if err := a.report(format, err); isReported(err) {
			fmt.Fprintf(a.stderr, "kubenix: --diff cannot read the previous result %s; nothing built\n", where)
			return nil, exitStatus(diag.ExitUsage)
		}
		return nil, err
	}
	return s, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
