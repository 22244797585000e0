package pipeline

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/helmwrap"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/nixstore"
)

// ensureCharts puts every chart of the lock into the Nix store that is not
// there yet, so that kubenix.helm.fetch finds its fixed-output path without
// Nix downloading anything. With all of them present, nothing touches the
// network.
func ensureCharts(ctx context.Context, lf *lock.File, st *nixstore.Store, remote *helmwrap.Remote) error {
	keys := make([]string, 0, len(lf.Charts))
	for k := range lf.Charts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		c := lf.Charts[k]
		sum, err := hex.DecodeString(c.SHA256)
		if err != nil || len(sum) != 32 {
			return lockError(lf, fmt.Sprintf("%s: sha256 %q is not a sha256", k, c.SHA256))
		}
		if _, err := os.Stat(nixstore.FixedOutputPath(st.Dir, c.StoreName(), [32]byte(sum))); err == nil {
			continue
		}
		data, err := remote.Fetch(ctx, c)
		if err != nil {
			if strings.Contains(err.Error(), "sha256 mismatch") {
				return lockError(lf, err.Error())
			}
			return &diag.UsageError{Err: fmt.Errorf("fetching %s for kubenix.lock: %w", k, err), Hint: "the chart is not in the Nix store yet, so it must be downloaded once"}
		}
		if _, err := st.AddFixed(ctx, c.StoreName(), data); err != nil {
			return &diag.UsageError{Err: err}
		}
	}
	return nil
}

func lockError(lf *lock.File, msg string) error {
	return diag.List{{Severity: diag.Error, Pos: diag.Pos{File: lf.Path}, Message: msg,
		Hint: "run kubenix helm update to re-resolve, or fix kubenix.lock"}}.Err()
}

// HelmAddOptions are the arguments of `kubenix helm add`.
type HelmAddOptions struct {
	Repo, Chart, Version string
	Lock                 string // the lock to write ("" = ./kubenix.lock)
	PlainHTTP            bool
	NixStore             string
}

// HelmAdd resolves a chart, downloads it into the Nix store, and records it
// in the lock.
func HelmAdd(ctx context.Context, o HelmAddOptions) (lock.Chart, string, error) {
	repo, chart := o.Repo, o.Chart
	if strings.HasPrefix(repo, "oci://") && chart == "" {
		i := strings.LastIndexByte(repo, '/')
		repo, chart = repo[:i], repo[i+1:]
	}
	if chart == "" || o.Version == "" {
		return lock.Chart{}, "", diag.Usagef("helm add needs a repository, a chart and --version")
	}
	path := o.Lock
	if path == "" {
		path = lock.FileName
	}
	lf, err := lock.Read(path)
	if err != nil {
		return lock.Chart{}, "", &diag.UsageError{Err: err}
	}
	st, err := storeFor(o.NixStore)
	if err != nil {
		return lock.Chart{}, "", err
	}
	entry, data, err := helmwrap.NewRemote(o.PlainHTTP).Lock(ctx, repo, chart, o.Version)
	if err != nil {
		return lock.Chart{}, "", remoteErr(err)
	}
	p, err := st.AddFixed(ctx, entry.StoreName(), data)
	if err != nil {
		return lock.Chart{}, "", &diag.UsageError{Err: err}
	}
	if lf.Charts == nil {
		lf.Charts = map[string]lock.Chart{}
	}
	lf.Charts[lock.Key(entry.Repo, entry.Chart, o.Version)] = entry
	if err := lf.Write(); err != nil {
		return lock.Chart{}, "", &diag.UsageError{Err: err}
	}
	return entry, p, nil
}

// HelmUpdate re-resolves the version constraints of locked charts (all, or
// those of keys) and records what they resolve to now.
func HelmUpdate(ctx context.Context, lockPath, nixStore string, keys []string) ([]string, error) {
	if lockPath == "" {
		lockPath = lock.FileName
	}
	lf, err := lock.Read(lockPath)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	st, err := storeFor(nixStore)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		for k := range lf.Charts {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var report []string
	for _, k := range keys {
		old, ok := lf.Charts[k]
		if !ok {
			return nil, diag.Usagef("%s is not in %s", k, lockPath)
		}
		entry, data, err := helmwrap.NewRemote(old.PlainHTTP).Lock(ctx, old.Repo, old.Chart, old.Constraint)
		if err != nil {
			return nil, remoteErr(err)
		}
		if _, err := st.AddFixed(ctx, entry.StoreName(), data); err != nil {
			return nil, &diag.UsageError{Err: err}
		}
		switch {
		case entry.Version != old.Version:
			report = append(report, fmt.Sprintf("%s: %s -> %s", k, old.Version, entry.Version))
		case entry.SHA256 != old.SHA256:
			report = append(report, fmt.Sprintf("%s: %s republished (sha256 %s -> %s)", k, old.Version, short(old.SHA256), short(entry.SHA256)))
		default:
			report = append(report, fmt.Sprintf("%s: %s, unchanged", k, old.Version))
		}
		lf.Charts[k] = entry
	}
	if err := lf.Write(); err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	return report, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func remoteErr(err error) error {
	var re *helmwrap.RemoteError
	if errors.As(err, &re) {
		return &diag.UsageError{Err: re, Hint: re.Hint}
	}
	return &diag.UsageError{Err: err}
}

func storeFor(bin string) (*nixstore.Store, error) {
	return nixStore(BuildOptions{NixStore: bin}, storeDir())
}

// storeDir is the Nix store directory, before any evaluation tells (or
// without one: NIX_STORE is what a derivation's builder is told).
func storeDir() string {
	for _, env := range []string{"NIX_STORE_DIR", "NIX_STORE"} {
		if d := os.Getenv(env); d != "" {
			return d
		}
	}
	return nixstore.DefaultStoreDir
}
