// Package apply applies a kubenix result to a cluster with kubectl, in the
// phases a build that defines its own CRDs needs.
package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/manifest"
	"github.com/kubenix/kubenix/secrets"
)

// Options say how to run kubectl.
type Options struct {
	Kubectl    string // the kubectl executable ("" = kubectl on PATH)
	Kubeconfig string // --kubeconfig, passed through
	Context    string // --context, passed through
	ServerSide bool   // --server-side (field manager kubenix)
	DryRun     bool   // --dry-run=server: the server checks, nothing persists
	Timeout    time.Duration
	Stdout     io.Writer // kubectl's output
	Stderr     io.Writer // kubectl's messages
	// Progress, when set, hears each step as Run takes it.
	Progress func(Step)
}

// StepKind is what a step of Run does.
type StepKind int

const (
	Applying          StepKind = iota // applying Objects objects
	ApplyingFirst                     // applying the Objects objects of phase one
	Waiting                           // waiting for CRDs CRDs to be established
	Skipped                           // dry run: Objects objects skipped until Missing exist
	ApplyingDecrypted                 // applying Objects SOPS Secrets, decrypted in memory (server-side)
)

// Step is one step of Run, for the command to tell the user.
type Step struct {
	Kind    StepKind
	Objects int      // Applying, ApplyingFirst, Skipped
	CRDs    int      // Waiting
	Missing []string // Skipped: the objects (IDs) that must exist first
}

func (o Options) progress(s Step) {
	if o.Progress != nil {
		o.Progress(s)
	}
}

// Entry is one manifest file of a result.
type Entry struct {
	File    string // path of the file
	Objects []*manifest.Object
}

// Plan is what an apply of a result does. Phase one (CRDs and Namespaces)
// goes first when the result has CRDs: kubectl resolves every kind before
// sending anything, so custom resources of a CRD in the same invocation
// fail. Phase two is the whole directory, as `kubectl apply -f DIR/`. A
// result without CRDs is applied in one step, except in a dry run, where
// nothing persists and objects in a new Namespace cannot be checked.
type Plan struct {
	Dir      string
	Entries  []Entry // in file name order, as kubectl reads them
	CRDs     []Entry
	PhaseOne []Entry // CRDs and Namespaces
	// Encrypted are the SOPS-encrypted Secrets (kubenix.secrets.sops),
	// left out of Entries: kubenix decrypts them in memory and sends them
	// to kubectl on standard input, after phase one.
	Encrypted []Entry
}

// Read reads the manifest files of a result directory the way kubectl does:
// the .yaml, .yml and .json entries (symlinks followed), not descending.
func Read(dir string) (*Plan, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, diag.Usagef("%s: no such result (build one with kubenix build)", dir)
		}
		return nil, &diag.UsageError{Err: err}
	}
	p := &Plan{Dir: dir}
	for _, e := range ents {
		switch filepath.Ext(e.Name()) {
		case ".yaml", ".yml", ".json":
		default:
			continue
		}
		f := filepath.Join(dir, e.Name())
		if fi, err := os.Stat(f); err != nil || fi.IsDir() {
			continue
		}
		objs, diags := manifest.ReadFile(f)
		if err := diags.Err(); err != nil {
			return nil, err
		}
		en := Entry{File: f, Objects: objs}
		if slices.ContainsFunc(objs, secrets.IsEncrypted) {
			p.Encrypted = append(p.Encrypted, en)
			continue
		}
		p.Entries = append(p.Entries, en)
		if slices.ContainsFunc(objs, (*manifest.Object).IsCRD) {
			p.CRDs = append(p.CRDs, en)
			p.PhaseOne = append(p.PhaseOne, en)
		} else if slices.ContainsFunc(objs, isNamespace) {
			p.PhaseOne = append(p.PhaseOne, en)
		}
	}
	if len(p.Entries)+len(p.Encrypted) == 0 {
		return nil, diag.Usagef("%s holds no manifests (.yaml, .yml, .json)", dir)
	}
	return p, nil
}

func isNamespace(o *manifest.Object) bool { return o.Kind == "Namespace" && o.APIVersion == "v1" }

// Run applies the plan: phase one, wait until its CRDs are Established,
// then everything. In a dry run nothing persists, so objects that need a
// phase-one object the cluster does not have yet cannot be checked; they are
// skipped and named.
func Run(ctx context.Context, p *Plan, opts Options) error {
	k := kubectl{opts}
	// The whole directory, as kubectl reads it; but for SOPS Secrets,
	// which kubectl cannot read, the files one by one.
	all := []string{strings.TrimSuffix(p.Dir, "/") + "/"}
	if len(p.Encrypted) > 0 {
		all = files(p.Entries)
	}
	if !opts.DryRun && len(p.CRDs) == 0 {
		if err := k.applyEncrypted(ctx, p.Encrypted); err != nil {
			return err
		}
		opts.progress(Step{Kind: Applying, Objects: count(p.Entries)})
		return k.apply(ctx, all)
	}
	if len(p.PhaseOne) > 0 {
		opts.progress(Step{Kind: ApplyingFirst, Objects: count(p.PhaseOne)})
		if err := k.apply(ctx, files(p.PhaseOne)); err != nil {
			return err
		}
		if !opts.DryRun && len(p.CRDs) > 0 {
			opts.progress(Step{Kind: Waiting, CRDs: len(p.CRDs)})
			wait := k
			wait.Stdout = k.Stderr // progress, not a result
			if err := wait.run(ctx, waitArgs(files(p.CRDs), opts.Timeout.String())...); err != nil {
				return err
			}
		}
	}
	if !opts.DryRun {
		if err := k.applyEncrypted(ctx, p.Encrypted); err != nil {
			return err
		}
		opts.progress(Step{Kind: Applying, Objects: count(p.Entries)})
		return k.apply(ctx, all)
	}
	missing, err := k.missing(ctx, p.PhaseOne)
	if err != nil {
		return err
	}
	var ok, skipped []Entry
	var okEncrypted []Entry
	for _, e := range p.Encrypted {
		if slices.ContainsFunc(e.Objects, func(o *manifest.Object) bool { return needs(o, missing) }) {
			skipped = append(skipped, e)
		} else {
			okEncrypted = append(okEncrypted, e)
		}
	}
	if err := k.applyEncrypted(ctx, okEncrypted); err != nil {
		return err
	}
	for _, e := range p.Entries {
		if slices.ContainsFunc(e.Objects, func(o *manifest.Object) bool { return needs(o, missing) }) {
			skipped = append(skipped, e)
		} else {
			ok = append(ok, e)
		}
	}
	if len(skipped) > 0 {
		names := make([]string, 0, len(missing))
		for _, o := range missing {
			names = append(names, o.ID())
		}
		opts.progress(Step{Kind: Skipped, Objects: count(skipped), Missing: names})
	}
	if len(ok) == 0 {
		return nil
	}
	opts.progress(Step{Kind: Applying, Objects: count(ok)})
	return k.apply(ctx, files(ok))
}

// needs reports whether o cannot exist before one of missing does: it is
// in a missing Namespace or of a missing CRD's kind.
func needs(o *manifest.Object, missing []*manifest.Object) bool {
	for _, m := range missing {
		if m == o {
			return false
		}
		if isNamespace(m) && o.Namespace == m.Name {
			return true
		}
		if group, kind, ok := m.DefinedKind(); ok && group == o.Group() && kind == o.Kind {
			return true
		}
	}
	return false
}

type kubectl struct{ Options }

func (k kubectl) base() []string {
	var args []string
	if k.Kubeconfig != "" {
		args = append(args, "--kubeconfig", k.Kubeconfig)
	}
	if k.Context != "" {
		args = append(args, "--context", k.Context)
	}
	return args
}

func (k kubectl) apply(ctx context.Context, paths []string) error {
	return k.run(ctx, k.applyArgs(paths)...)
}

func (k kubectl) applyArgs(paths []string) []string {
	args := []string{"apply"}
	if k.ServerSide {
		args = append(args, "--server-side", "--field-manager=kubenix")
	}
	if k.DryRun {
		args = append(args, "--dry-run=server")
	}
	return append(args, fileArgs(paths)...)
}

// waitArgs wait until the CRDs of paths are established (timeout "" =
// kubectl's default).
func waitArgs(paths []string, timeout string) []string {
	args := []string{"wait", "--for=condition=Established"}
	if timeout != "" {
		args = append(args, "--timeout="+timeout)
	}
	return append(args, fileArgs(paths)...)
}

// ByHand is what Run does with a result that has CRDs of its own, as the
// kubectl command lines a user types, from the result's directory: apply
// its crds/ and wait until they are established, then apply everything.
func ByHand(dir string) []string {
	dir = strings.TrimSuffix(dir, "/") + "/"
	crds := []string{dir + manifest.CRDDir + "/"}
	var k kubectl
	return []string{
		"kubectl " + strings.Join(k.applyArgs(crds), " "),
		"kubectl " + strings.Join(waitArgs(crds, ""), " "),
		"kubectl " + strings.Join(k.applyArgs([]string{dir}), " "),
	}
}

// applyEncrypted decrypts SOPS Secrets in memory and applies them from
// kubectl's standard input, server-side: nothing decrypted is written to a
// file, and a client-side apply would keep the plaintext in the
// last-applied-configuration annotation.
func (k kubectl) applyEncrypted(ctx context.Context, es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	var bodies []map[string]any
	for _, e := range es {
		data, err := userfile.Read(e.File, userfile.ManifestLimit)
		if err != nil {
			return &diag.UsageError{Err: err}
		}
		body, err := secrets.Decrypt(data)
		if err != nil {
			return decryptFailed(e, err)
		}
		bodies = append(bodies, body)
	}
	stream, err := manifest.EncodeYAMLStream(bodies)
	if err != nil {
		return err
	}
	k.progress(Step{Kind: ApplyingDecrypted, Objects: count(es)})
	args := []string{"apply", "--server-side", "--field-manager=kubenix"}
	if k.DryRun {
		args = append(args, "--dry-run=server")
	}
	return k.runInput(ctx, bytes.NewReader(stream), append(args, "-f", "-")...)
}

// decryptFailed says which file could not be decrypted and why: a file
// that is not valid SOPS or was changed is invalid input (exit 1); a
// missing key is the environment's (exit 2).
func decryptFailed(e Entry, err error) error {
	var obj *manifest.Object
	if len(e.Objects) > 0 {
		obj = e.Objects[0]
	}
	return secrets.Failed(e.File, obj, err)
}

func (k kubectl) run(ctx context.Context, args ...string) error {
	return k.runInput(ctx, nil, args...)
}

func (k kubectl) runInput(ctx context.Context, stdin io.Reader, args ...string) error {
	cmd := exec.CommandContext(ctx, k.bin(), append(k.base(), args...)...)
	cmd.Stdin = stdin
	cmd.Stdout, cmd.Stderr = k.Stdout, k.Stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, exec.ErrNotFound) {
			return &diag.UsageError{Err: fmt.Errorf("kubectl not found: %w", err), Hint: "install kubectl, or point --kubectl at it"}
		}
		return &diag.UsageError{Err: fmt.Errorf("kubectl %s failed: %v", args[0], err), Hint: "kubectl's messages are above"}
	}
	return nil
}

// missing returns the phase-one objects the cluster does not have.
func (k kubectl) missing(ctx context.Context, entries []Entry) ([]*manifest.Object, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, k.bin(), append(append(k.base(), "get", "--ignore-not-found", "-o", "name"), fileArgs(files(entries))...)...)
	cmd.Stdout = &out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, &diag.UsageError{Err: fmt.Errorf("kubectl get: %v: %s", err, strings.TrimSpace(stderr.String()))}
	}
	have := map[string]bool{}
	for _, l := range strings.Fields(out.String()) {
		have[strings.ToLower(l)] = true
	}
	var missing []*manifest.Object
	for _, e := range entries {
		for _, o := range e.Objects {
			// kubectl -o name prints resource[.group]/name.
			var name string
			switch {
			case o.IsCRD():
				name = "customresourcedefinition.apiextensions.k8s.io/" + o.Name
			case isNamespace(o):
				name = "namespace/" + o.Name
			default:
				continue
			}
			if !have[strings.ToLower(name)] {
				missing = append(missing, o)
			}
		}
	}
	return missing, nil
}

// FindKubectl resolves the kubectl to run (--kubectl, or kubectl on
// PATH), before anything is read or applied.
func FindKubectl(explicit string) (string, error) {
	if explicit == "" {
		p, err := exec.LookPath("kubectl")
		if err != nil {
			return "", &diag.UsageError{Err: errors.New("kubectl not found on PATH: kubenix apply applies with kubectl"), Hint: "install kubectl, or point --kubectl at it"}
		}
		return p, nil
	}
	p, err := exec.LookPath(explicit)
	if err != nil {
		why := "no such file"
		if fi, serr := os.Stat(explicit); serr == nil {
			why = "not an executable file"
			if fi.IsDir() {
				why = "a directory"
			}
		} else if !strings.ContainsRune(explicit, '/') {
			why = "not found on PATH"
		}
		return "", &diag.UsageError{Err: fmt.Errorf("--kubectl %s: %s; kubenix apply applies with kubectl", explicit, why), Hint: "point --kubectl at a kubectl executable"}
	}
	return p, nil
}

func (k kubectl) bin() string {
	if k.Kubectl != "" {
		return k.Kubectl
	}
	return "kubectl"
}

func files(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.File
	}
	return out
}

func fileArgs(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, "-f", p)
	}
	return out
}

func count(es []Entry) int {
	n := 0
	for _, e := range es {
		n += len(e.Objects)
	}
	return n
}
