package helmwrap

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/Masterminds/semver/v3"

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

// CheckAdd validates what `kubenix helm add` was given before anything
// touches the network: a repository URL kubenix can fetch from (https,
// http or oci, with a host), a chart name and a version or semver range.
func CheckAdd(o AddOptions) error {
	repo, chart := splitAdd(o)
	if chart == "" || o.Version == "" {
		return diag.Usagef("helm add needs a repository, a chart and --version")
	}
	u, err := url.Parse(repo)
	switch {
	case err != nil:
		return diag.Usagef("repository %q is not a URL: %v", o.Repo, err)
	case u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "oci":
		return &diag.UsageError{Err: fmt.Errorf("repository %q: kubenix fetches charts over https, http or oci, not %q", o.Repo, u.Scheme),
			Hint: "give a chart repository URL (https://charts.example.com) or an OCI reference (oci://registry/path/chart)"}
	case u.Host == "":
		return diag.Usagef("repository %q has no host", o.Repo)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return diag.Usagef("repository %q: credentials, queries and fragments do not belong in a repository URL (registries that need a login use helm registry login)", o.Repo)
	}
	if strings.ContainsAny(chart, "/\\") || chart == "." || chart == ".." || strings.IndexFunc(chart, unicode.IsControl) >= 0 || strings.TrimSpace(chart) != chart {
		return diag.Usagef("chart %q is not a chart name", chart)
	}
	if _, err := semver.NewConstraint(o.Version); err != nil {
		return &diag.UsageError{Err: fmt.Errorf("--version %q is not a version or version range: %v", o.Version, err),
			Hint: "give an exact version (18.1.0) or a semver range (^18.0.0)"}
	}
	return nil
}

// splitAdd returns the repository and the chart, which a lone oci://
// reference holds as its last path element.
func splitAdd(o AddOptions) (repo, chart string) {
	repo, chart = o.Repo, o.Chart
	if strings.HasPrefix(repo, "oci://") && chart == "" {
		i := strings.LastIndexByte(repo, '/')
		repo, chart = repo[:i], repo[i+1:]
	}
	return repo, chart
}

// Add resolves a chart, downloads it into the Nix store, and records it in
// the lock. It returns the lock entry and the chart's store path.
func Add(ctx context.Context, o AddOptions, st *nixstore.Store) (lock.Chart, string, error) {
	if err := CheckAdd(o); err != nil {
		return lock.Chart{}, "", err
	}
	repo, chart := splitAdd(o)
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
	// Every key first: a typo in the last must not leave the others
	// fetched and the lock unwritten.
	for _, k := range keys {
		if _, ok := lf.Charts[k]; !ok {
			return nil, &diag.UsageError{Err: fmt.Errorf("%s is not in %s", k, lockPath),
				Hint: "keys are repo/chart@constraint, as kubenix.lock lists them under charts"}
		}
	}
	var out []Updated
	for _, k := range keys {
		old := lf.Charts[k]
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
