package helmwrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubenix/kubenix/lock"
)

// Remote resolves and downloads charts from HTTP chart repositories
// (index.yaml) and OCI registries. Every network call is bounded by the
// context and a timeout.
type Remote struct {
	HTTP      *http.Client
	PlainHTTP bool // talk to OCI registries over http (a local registry)
}

// NewRemote returns a Remote with sane timeouts.
func NewRemote(plainHTTP bool) *Remote {
	return &Remote{HTTP: &http.Client{Timeout: 60 * time.Second}, PlainHTTP: plainHTTP}
}

// RemoteError is a problem with a repository, registry or download.
type RemoteError struct{ Msg, Hint string }

func (e *RemoteError) Error() string { return e.Msg }

// Lock resolves repo, chart and a version constraint to a concrete
// version, downloads the archive, checks it, and returns the lock entry
// with the archive.
func (r *Remote) Lock(ctx context.Context, repoURL, chart, constraint string) (lock.Chart, []byte, error) {
	entry := lock.Chart{Repo: strings.TrimSuffix(repoURL, "/"), Chart: chart, Constraint: constraint, PlainHTTP: r.PlainHTTP}
	var data []byte
	var err error
	if strings.HasPrefix(repoURL, "oci://") {
		data, err = r.lockOCI(ctx, &entry)
	} else {
		data, err = r.lockHTTP(ctx, &entry)
	}
	if err != nil {
		return entry, nil, err
	}
	sum := sha256.Sum256(data)
	entry.SHA256 = hex.EncodeToString(sum[:])
	if err := checkArchive(data, chart, entry.Version); err != nil {
		return entry, nil, err
	}
	return entry, data, nil
}

// Fetch downloads a locked chart again and checks it is the one locked.
func (r *Remote) Fetch(ctx context.Context, c lock.Chart) ([]byte, error) {
	rr := *r
	rr.PlainHTTP = c.PlainHTTP
	var data []byte
	var err error
	if strings.HasPrefix(c.URL, "oci://") {
		data, _, err = rr.pullOCI(ctx, strings.TrimPrefix(c.URL, "oci://"))
	} else {
		data, err = rr.get(ctx, c.URL)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != c.SHA256 {
		return nil, &RemoteError{
			Msg:  fmt.Sprintf("sha256 mismatch for %s %s from %s: kubenix.lock has %s, the download is %s", c.Chart, c.Version, c.URL, c.SHA256, got),
			Hint: "the published chart changed; if you trust the new one, run kubenix helm update",
		}
	}
	return data, nil
}

func (r *Remote) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &RemoteError{Msg: fmt.Sprintf("invalid URL %s: %v", url, err)}
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return nil, &RemoteError{Msg: fmt.Sprintf("cannot reach %s: %v", url, err), Hint: "check the URL and your network"}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &RemoteError{Msg: fmt.Sprintf("GET %s: %s", url, resp.Status)}
	}
	return io.ReadAll(io.LimitReader(resp.Body, 256<<20))
}

func (r *Remote) lockHTTP(ctx context.Context, e *lock.Chart) ([]byte, error) {
	indexURL := e.Repo + "/index.yaml"
	b, err := r.get(ctx, indexURL)
	if err != nil {
		var re *RemoteError
		if errors.As(err, &re) && strings.Contains(re.Msg, "404") {
			return nil, &RemoteError{Msg: fmt.Sprintf("%s is not a Helm chart repository: %s", e.Repo, re.Msg),
				Hint: "give the repository's URL (where index.yaml is), or an oci:// reference"}
		}
		return nil, err
	}
	var idx repo.IndexFile
	if err := sigsyaml.Unmarshal(b, &idx); err != nil || idx.APIVersion == "" {
		return nil, &RemoteError{Msg: fmt.Sprintf("%s is not a Helm chart repository index", indexURL)}
	}
	idx.SortEntries()
	cv, err := idx.Get(e.Chart, e.Constraint)
	if err != nil {
		var have []string
		for _, v := range idx.Entries[e.Chart] {
			have = append(have, v.Version)
		}
		if len(have) == 0 {
			return nil, &RemoteError{Msg: fmt.Sprintf("repository %s has no chart %q", e.Repo, e.Chart)}
		}
		return nil, &RemoteError{Msg: fmt.Sprintf("repository %s has no version of %s matching %q (it has %s)", e.Repo, e.Chart, e.Constraint, strings.Join(have, ", "))}
	}
	if len(cv.URLs) == 0 {
		return nil, &RemoteError{Msg: fmt.Sprintf("%s %s has no download URL in %s", e.Chart, cv.Version, indexURL)}
	}
	u, err := repo.ResolveReferenceURL(e.Repo, cv.URLs[0])
	if err != nil {
		return nil, &RemoteError{Msg: err.Error()}
	}
	e.Version, e.URL = cv.Version, u
	data, err := r.get(ctx, u)
	if err != nil {
		return nil, err
	}
	if cv.Digest != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(strings.TrimPrefix(cv.Digest, "sha256:"), got) {
			return nil, &RemoteError{Msg: fmt.Sprintf("sha256 mismatch for %s: the repository index says %s, the download is %s", u, cv.Digest, got)}
		}
	}
	return data, nil
}

func (r *Remote) registry() (*registry.Client, error) {
	opts := []registry.ClientOption{registry.ClientOptWriter(io.Discard), registry.ClientOptHTTPClient(r.HTTP)}
	if r.PlainHTTP {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	return registry.NewClient(opts...)
}

func (r *Remote) lockOCI(ctx context.Context, e *lock.Chart) ([]byte, error) {
	// kubenix helm add oci://host/path/chart: the repository is what is
	// left of the reference without the chart's name.
	ref := strings.TrimPrefix(e.Repo, "oci://") + "/" + e.Chart
	client, err := r.registry()
	if err != nil {
		return nil, err
	}
	tags, err := withContext(ctx, func() ([]string, error) { return client.Tags(ref) })
	if err != nil {
		return nil, &RemoteError{Msg: fmt.Sprintf("cannot list versions of oci://%s: %v", ref, err), Hint: "check the reference, and log in with helm registry login if the registry needs it"}
	}
	version, err := pickVersion(tags, e.Constraint)
	if err != nil {
		return nil, &RemoteError{Msg: fmt.Sprintf("oci://%s: %v", ref, err)}
	}
	data, digest, err := r.pullOCI(ctx, ref+":"+version)
	if err != nil {
		return nil, err
	}
	e.Version, e.URL, e.Digest = version, "oci://"+ref+":"+version, digest
	return data, nil
}

func (r *Remote) pullOCI(ctx context.Context, ref string) ([]byte, string, error) {
	client, err := r.registry()
	if err != nil {
		return nil, "", err
	}
	res, err := withContext(ctx, func() (*registry.PullResult, error) { return client.Pull(ref) })
	if err != nil {
		return nil, "", &RemoteError{Msg: fmt.Sprintf("cannot pull oci://%s: %v", ref, err)}
	}
	return res.Chart.Data, res.Manifest.Digest, nil
}

// withContext runs f, giving up when ctx ends (the registry client has no
// context of its own).
func withContext[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// pickVersion returns the highest tag satisfying the constraint (an exact
// version matches itself).
func pickVersion(tags []string, constraint string) (string, error) {
	for _, t := range tags {
		if t == constraint {
			return t, nil
		}
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", fmt.Errorf("invalid version constraint %q: %v", constraint, err)
	}
	var vs []*semver.Version
	for _, t := range tags {
		if v, err := semver.NewVersion(t); err == nil && c.Check(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return "", fmt.Errorf("no version matching %q (versions: %s)", constraint, strings.Join(tags, ", "))
	}
	sort.Sort(sort.Reverse(semver.Collection(vs)))
	return vs[0].Original(), nil
}

// checkArchive makes sure a download is the chart it claims to be (the
// loader also refuses archives with paths outside the chart).
func checkArchive(data []byte, name, version string) error {
	c, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return &RemoteError{Msg: fmt.Sprintf("the download of %s %s is not a valid chart archive: %v", name, version, err)}
	}
	if c.Name() != name || c.Metadata.Version != version {
		return &RemoteError{Msg: fmt.Sprintf("the download claims to be %s %s but contains %s %s", name, version, c.Name(), c.Metadata.Version)}
	}
	return nil
}

// IsRemoteError reports whether err is a network or repository problem.
func IsRemoteError(err error) bool {
	var re *RemoteError
	return errors.As(err, &re)
}
