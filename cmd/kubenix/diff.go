package main

import (
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/objdiff"
	"github.com/kubenix/kubenix/secrets"
)

func (a *app) diffCommand() *cobra.Command {
	var (
		ev          evalFlags
		cf          checkFlags
		output      string
		format      string
		images      string
		stat        bool
		showSecrets bool
		context     int
	)
	cmd := &cobra.Command{
		Use:         "diff OLD NEW",
		Annotations: map[string]string{readOnly: "yes"},
		Short:       "Show what changes between two builds, object by object",
		Long: `Compare two sets of Kubernetes objects offline and show what applying NEW
instead of OLD would change: objects added, removed and changed, each changed
one as a unified diff of its YAML.

OLD and NEW are each
  - a result directory (./result, an --out-dir), or any directory of
    .yaml/.yml/.json manifests (searched recursively; images.txt,
    .kubenix-result, .objects/ and a result's crds/, which repeats its
    CRDs, are skipped), or a manifest file;
  - a .nix file (or a directory with default.nix), built as 'kubenix build'
    builds it, with the evaluation flags below (applied to both sides);
  - REV:PATH, the file or directory PATH as it is in git revision REV
    (HEAD~1:app.nix, origin/main:deploy/app.nix). PATH is relative to the
    current directory. The revision's tree is written to a temporary
    directory, so imports relative to the file work. A file that exists
    under the whole name, colon included, is taken as that file.

Objects are matched by API group, kind, namespace and name: a new apiVersion
(v1beta1 -> v1), a new file name or an object moved to another file is a
change of the same object, not a removal and an addition. Objects are
compared as canonical YAML, so key order, quoting and layout never show as
changes. Namespaced objects that a manifest leaves without a namespace get
--namespace, as kubectl apply would.

The values of Secrets (data and stringData) are never printed: a diff shows
"(hidden)" for them, and "(hidden, before)" / "(hidden, after)" where a value
changed. --show-secrets prints them.

SOPS-encrypted Secrets (kubenix.secrets.sops, or SOPS files in a directory)
are compared by key names: keys added and removed show, and the ciphertext
and the sops block (MAC, dates, encrypted data keys) never do, only its
recipients. With an age key at hand (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or
~/.config/sops/age/keys.txt, as for kubenix apply) they are decrypted in
memory and compared by value: a changed value shows as "(hidden, changed)".
Their plaintext is never printed, not even with --show-secrets. Without a
key, a note on stderr says which values were not compared.

Output: a line per object that changes ("+ Kind/namespace/name (added)",
"- ... (removed)", "~ ... (changed)" followed by its diff and an empty line),
in install order, then a summary line ("1 added, 0 removed, 2 changed, 9
unchanged"); colours on a terminal unless NO_COLOR is set. --stat prints one
line per object with the number of lines changed instead of the diffs.
-o json prints, for tools:

  {"old": OLD, "new": NEW, "differ": true,
   "summary": {"added": 1, "removed": 0, "changed": 2, "unchanged": 9},
   "objects": [{"id": "Deployment/shop/web", "status": "changed",
                "group": "apps", "kind": "Deployment", "namespace": "shop", "name": "web",
                "old": {"apiVersion": "apps/v1", "file": "0280-deployment-shop-web.yaml"},
                "new": {"apiVersion": "apps/v1", "file": "0280-deployment-shop-web.yaml"},
                "insertions": 1, "deletions": 1, "diff": "--- old/...\n+++ new/...\n@@ ..."},
               ...]}

with every object of both sides (status added, removed, changed or
unchanged; "old" is absent for an added object, "new" for a removed one, and
the diff of an added or removed object is against /dev/null).

Exit codes, as diff(1): 0 no differences, 1 differences, 2 trouble (a side
that does not exist, an unknown revision, Nix missing, or a side that is
invalid: its problems are printed as 'kubenix build' prints them).`,
		Example: `  kubenix diff result app.nix                    # what would building app.nix change?
  kubenix diff HEAD~1:deploy/app.nix deploy/app.nix --stat
  kubenix diff origin/main:deploy/app.nix deploy/app.nix -o json   # in CI, for a PR comment
  kubenix diff manifests/ result                 # a committed GitOps directory against a build
  kubenix diff old.nix new.nix --argstr env prod`,
		Args: usageArgs(2, "OLD and NEW"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return diag.Usagef("-o must be text or json, not %q", output)
			}
			if stat && output == "json" {
				return diag.Usagef("--stat is a text format; -o json has the counts of every object")
			}
			if context < 0 {
				return diag.Usagef("-U takes a number of lines >= 0, not %d", context)
			}
			opts, err := a.loadOptions(ev, cf, "")
			if err != nil {
				return err
			}
			if opts.BuildImages, err = buildImages(images); err != nil {
				return err
			}
			ld := &objdiff.Loader{Options: opts}
			// Both sides are read at once; what they say is printed in order.
			var (
				sides  [2]*objdiff.Side
				errs   [2]error
				loaded sync.WaitGroup
			)
			for i, arg := range args {
				loaded.Go(func() { sides[i], errs[i] = ld.Load(cmd.Context(), arg) })
			}
			loaded.Wait()
			for i, arg := range args {
				if err := a.sideLoaded(format, arg, sides[i], errs[i]); err != nil {
					return err
				}
			}
			res, err := objdiff.Compare(sides[0], sides[1], objdiff.Options{Context: context, ShowSecrets: showSecrets, Decrypt: secrets.Decrypt})
			if err != nil {
				return err
			}
			if output == "json" {
				err = objdiff.WriteJSON(a.stdout, res)
			} else {
				err = objdiff.WriteText(a.stdout, res, objdiff.TextOptions{Color: colorOK(a.stdout), Stat: stat})
			}
			if err != nil {
				return err
			}
			if ids := res.ValuesNotCompared(); len(ids) > 0 {
				fmt.Fprintf(a.stderr, "kubenix: values of SOPS Secrets not compared, only their key names: none of your age keys decrypts %s "+
					"(set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, as for kubenix apply)\n", strings.Join(ids, ", "))
			}
			if res.Differ() {
				return exitStatus(diag.ExitInvalid)
			}
			return nil
		},
	}
	ev.register(cmd.Flags())
	cf.register(cmd.Flags())
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "text", "`FORMAT`: text or json")
	f.BoolVar(&stat, "stat", false, "one line per object with the number of lines inserted and deleted, instead of the diffs")
	f.IntVarP(&context, "unified", "U", objdiff.DefaultContext, "`N` lines of context around each change")
	f.BoolVar(&showSecrets, "show-secrets", false, "print the values of Secrets' data and stringData (hidden by default)")
	f.StringVar(&images, "images", "tag", "`MODE` for Nix-built images of .nix sides, as in kubenix build: tag or build")
	f.StringVar(&format, "format", "text", "how to print the problems of an invalid side: `text`, json or github")
	return cmd
}

// sideLoaded reports how one side of a diff was read. Its warnings are
// printed; an invalid side is trouble for diff, not a difference (exit 2,
// as diff(1)).
func (a *app) sideLoaded(format, arg string, s *objdiff.Side, err error) error {
	if err != nil {
		if err := a.report(format, err); isReported(err) {
			fmt.Fprintf(a.stderr, "kubenix: %s is not valid; nothing compared\n", arg)
			return exitStatus(diag.ExitUsage)
		}
		return err
	}
	if len(s.Warnings) > 0 {
		if err := a.printDiagnostics(format, s.Warnings); err != nil {
			return err
		}
	}
	return nil
}
