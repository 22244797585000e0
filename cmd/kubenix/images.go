package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/image"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/pipeline"
)

func (a *app) imagesCommand() *cobra.Command {
	var (
		ev     evalFlags
		cf     checkFlags
		output string
		format string
	)
	cmd := &cobra.Command{
		Use:   "images FILE",
		Short: "List the images of a build, and lock or push them",
		Long: `List every image reference of FILE's objects (the containers, initContainers
and ephemeralContainers of every workload, charts' objects included, and the
--image-field places), with the objects that use it, how it is pinned and its
state:

  store-hash   a Nix-built image (kubenix.image), tagged with its store hash;
               'kubenix build --images build' pins it by digest
  digest       written with @sha256:...
  lock         a third-party image pinned by kubenix.lock ('kubenix images lock')
  snapshotter  a nix-snapshotter reference (kubenix.image.snapshotter)
  none         not pinned ('kubenix build --require-pinned' refuses these)`,
		Example: `  kubenix images app.nix
  kubenix images lock app.nix        # pin third-party images by digest
  kubenix images push app.nix --registry registry.example.com`,
		Args: usageArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "table" && output != "json" {
				return diag.Usagef("-o must be table or json, not %q", output)
			}
			opts, err := a.loadOptions(ev, cf, args[0])
			if err != nil {
				return err
			}
			l, err := pipeline.Load(cmd.Context(), opts)
			if err != nil {
				return a.report(format, err)
			}
			if len(l.Warnings) > 0 {
				if err := a.printDiagnostics(format, l.Warnings); err != nil {
					return err
				}
			}
			if output == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if l.Images == nil {
					l.Images = []*image.Info{}
				}
				return enc.Encode(l.Images)
			}
			w := tabwriter.NewWriter(a.stdout, 0, 8, 2, ' ', 0)
			fmt.Fprintln(w, "IMAGE\tPIN\tSTATE\tUSED BY")
			for _, img := range l.Images {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", img.Ref, img.Pin, state(img), strings.Join(img.Objects, "; "))
			}
			return w.Flush()
		},
	}
	ev.register(cmd.Flags())
	cf.register(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "table", "`FORMAT`: table or json")
	cmd.Flags().StringVar(&format, "format", "text", "how to print problems: text, json or github")
	cmd.AddCommand(a.imagesLockCommand(), a.imagesPushCommand())
	return cmd
}

func state(img *image.Info) string {
	switch img.Pin {
	case image.PinStoreHash:
		if img.Digest != "" {
			return "built " + img.Digest
		}
		return "Nix-built, not built yet (--images build)"
	case image.PinLock:
		return "pinned by kubenix.lock"
	case image.PinDigest:
		return "pinned"
	case image.PinSnapshotter:
		return "for nix-snapshotter"
	}
	return "not pinned (kubenix images lock)"
}

func (a *app) loadOptions(ev evalFlags, cf checkFlags, file string) (pipeline.Options, error) {
	eo, err := ev.options(file)
	if err != nil {
		return pipeline.Options{}, err
	}
	opts := cf.pipelineOptions()
	opts.Eval = eo
	// Diffs hide Secret values, and the image commands write none.
	opts.Secrets.AllowPlaintext = true
	return opts, nil
}

func (a *app) imagesLockCommand() *cobra.Command {
	var (
		ev           evalFlags
		cf           checkFlags
		prune, check bool
	)
	cmd := &cobra.Command{
		Use:         "lock FILE",
		Annotations: map[string]string{lockMayBeNew: "yes"},
		Short:       "Pin the third-party images of a build by digest in kubenix.lock",
		Long: `Resolve every third-party image reference of FILE's objects (nginx:1.27) to the
digest its registry serves now (the multi-platform index's digest where there
is one) and record it in kubenix.lock. Builds then rewrite the reference to
nginx:1.27@sha256:... without any network. Lock entries no object uses any
more are reported, and removed with --prune. With --check, nothing is
written: the command fails when a locked digest is no longer served.`,
		Example: `  kubenix images lock app.nix
  kubenix images lock app.nix --check    # CI: are all pins still pullable?`,
		Args: usageArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := a.loadOptions(ev, cf, args[0])
			if err != nil {
				return err
			}
			l, err := pipeline.Load(cmd.Context(), opts)
			if err != nil {
				return a.report("text", err)
			}
			lf, err := lock.Find(opts.Eval.File, opts.Lock)
			if err != nil {
				return &diag.UsageError{Err: err}
			}
			locked, err := image.Lock(cmd.Context(), l.Images, lf, prune, check)
			if err != nil {
				return a.report("text", err)
			}
			for _, e := range locked {
				switch e.State {
				case image.LockServed:
					fmt.Fprintf(a.stdout, "%s@%s: served\n", e.Ref, e.New)
				case image.LockAdded:
					fmt.Fprintf(a.stdout, "%s: locked %s\n", e.Ref, e.New)
				case image.LockChanged:
					fmt.Fprintf(a.stdout, "%s: %s -> %s\n", e.Ref, e.Old, e.New)
				case image.LockUnchanged:
					fmt.Fprintf(a.stdout, "%s: %s, unchanged\n", e.Ref, e.New)
				case image.LockRemoved:
					fmt.Fprintf(a.stdout, "%s: no object uses it; removed\n", e.Ref)
				case image.LockStale:
					fmt.Fprintf(a.stdout, "%s: no object uses it (stale; --prune removes it)\n", e.Ref)
				}
			}
			return nil
		},
	}
	ev.register(cmd.Flags())
	cf.register(cmd.Flags())
	cmd.Flags().BoolVar(&prune, "prune", false, "remove lock entries no object uses")
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; fail when a locked digest is no longer served")
	return cmd
}

func (a *app) imagesPushCommand() *cobra.Command {
	var (
		ev       evalFlags
		cf       checkFlags
		registry string
	)
	cmd := &cobra.Command{
		Use:   "push FILE",
		Short: "Build the Nix images of a build and push them",
		Long: `Build the Nix-built images of FILE (kubenix.image), and push each to the
registry of its reference (or --registry), as name:<store hash>, skipping the
blobs the registry already has. The registry then serves exactly the digest
'kubenix build --images build' writes into the manifests. Progress is shown on
a terminal.`,
		Example: `  kubenix images push app.nix
  kubenix images push app.nix --registry registry.example.com/team`,
		Args: usageArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := a.loadOptions(ev, cf, args[0])
			if err != nil {
				return err
			}
			var progress func(string, int64, int64)
			if colorOK(a.stderr) {
				progress = func(ref string, done, total int64) {
					fmt.Fprintf(a.stderr, "\r\x1b[Kpushing %s: %s / %s", ref, human(done), human(total))
					if done >= total {
						fmt.Fprintln(a.stderr)
					}
				}
			}
			opts.BuildImages = true
			l, err := pipeline.Load(cmd.Context(), opts)
			if err != nil {
				return a.report("text", err)
			}
			pushed, err := image.PushBuilt(cmd.Context(), l.Images, registry, opts.Eval.CacheDir, progress)
			if err != nil {
				return a.report("text", err)
			}
			for _, p := range pushed {
				fmt.Fprintf(a.stdout, "pushed %s\n", p)
			}
			return nil
		},
	}
	ev.register(cmd.Flags())
	cf.register(cmd.Flags())
	cmd.Flags().StringVar(&registry, "registry", "", "push to this `REGISTRY` (host[/path]) instead of the references' own")
	return cmd
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (a *app) registryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "registry",
		Short:   "Serve the Nix-built images of a result as an OCI registry",
		Long:    "Serve the Nix-built images of a result as a read-only OCI registry (see 'kubenix registry serve --help').",
		Example: `  kubenix registry serve --addr 127.0.0.1:5000 result`,
	}
	var addr string
	serve := &cobra.Command{
		Use:   "serve [RESULT]",
		Short: "Serve a result's Nix-built images read-only over the OCI Distribution API",
		Long: `Serve the Nix-built images a result refers to (RESULT, default ./result, lists
them in images.txt) as a read-only OCI registry: /v2/, manifests by tag (the
store hash) and by digest, blobs by digest, HEAD and ranges, tags/list.
Images are read straight from their store paths when the server starts, and
each is checked against the digest the build wrote; nothing is evaluated or
built per request, and writes are refused. Point the cluster at it (a kind or
k3s registry mirror, or an address the nodes reach) and it pulls the images
Nix built, with no separate registry pipeline.`,
		Example: `  kubenix build app.nix --images build
  kubenix registry serve --addr 127.0.0.1:5000 result`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return diag.Usagef("kubenix registry serve takes at most one RESULT")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			result := "result"
			if len(args) == 1 {
				result = args[0]
			}
			return image.ServeRegistry(cmd.Context(), result, addr, cacheDir(), func(ev image.ServeEvent) { fmt.Fprintln(a.stderr, serveLine(ev)) })
		},
	}
	serve.Flags().StringVar(&addr, "addr", "127.0.0.1:5000", "the `ADDRESS` to listen on")
	cmd.AddCommand(serve)
	return cmd
}

// serveLine is what `kubenix registry serve` prints of an event.
func serveLine(ev image.ServeEvent) string {
	switch ev := ev.(type) {
	case image.Serving:
		return fmt.Sprintf("serving %s:%s as %s", ev.Path, ev.Tag, ev.Digest)
	case image.Listening:
		return fmt.Sprintf("kubenix: serving %d images at http://%s (read-only; Ctrl-C stops)", ev.Images, ev.Addr)
	}
	return ""
}
