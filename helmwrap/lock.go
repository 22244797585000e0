package helmwrap

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/lock"
	"github.com/kubenix/kubenix/nixstore"
)

// EnsureCharts puts every chart of the lock into the Nix store that is not
// there yet, so that kubenix.helm.fetch finds its fixed-output path without
// Nix downloading anything. With all of them present, nothing touches the
// network.
func EnsureCharts(ctx context.Context, lf *lock.File, st *nixstore.Store, remote *Remote) error {
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
			if re := (*RemoteError)(nil); errors.As(err, &re) && re.Mismatch {
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

// AddOptions are the arguments of `kubenix helm add`.
type AddOptions struct {
	Repo, Chart, Version string
	Lock                 string // the lock to write ("" = ./kubenix.lock)
	PlainHTTP            bool
}

// Add resolves a chart, downloads it into the Nix store, and records it in
// the lock. It returns the lock entry and the chart's store path.
func Add(ctx context.Context, o AddOptions, st *nixstore.Store) (lock.Chart, string, error) {
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
	entry, data, err := NewRemote(o.PlainHTTP).Lock(ctx, repo, chart, o.Version)
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

// Updated is what Update did to one locked chart.
type Updated struct {
	Key      string
	Old, New lock.Chart
}

// Update re-resolves the version constraints of locked charts (all, or
// those of keys), puts what they resolve to now into the store, and records
// it in the lock.
func Update(ctx context.Context, lockPath string, st *nixstore.Store, keys []string) ([]Updated, error) {
	if lockPath == "" {
		lockPath = lock.FileName
	}
	lf, err := lock.Read(lockPath)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	if len(keys) == 0 {
		for k := range lf.Charts {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []Updated
	for _, k := range keys {
		old, ok := lf.Charts[k]
		if !ok {
			return nil, diag.Usagef("%s is not in %s", k, lockPath)
		}
		entry, data, err := NewRemote(old.PlainHTTP).Lock(ctx, old.Repo, old.Chart, old.Constraint)
		if err != nil {
			return nil, remoteErr(err)
		}
		if _, err := st.AddFixed(ctx, entry.StoreName(), data); err != nil {
			return nil, &diag.UsageError{Err: err}
		}
		out = append(out, Updated{Key: k, Old: old, New: entry})
		lf.Charts[k] = entry
	}
	if err := lf.Write(); err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	return out, nil
}

func remoteErr(err error) error {
	var re *RemoteError
	if errors.As(err, &re) {
		return &diag.UsageError{Err: re, Hint: re.Hint}
	}
	return &diag.UsageError{Err: err}
}
