package helmwrap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"helm.sh/helm/v3/pkg/chart/loader"
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
// Mismatch marks a locked chart whose download is not the one locked;
// Status is the HTTP status of a request the server refused.
type RemoteError struct {
	Msg, Hint string
	Mismatch  bool
	Status    int
}

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
			Msg:      fmt.Sprintf("sha256 mismatch for %s %s from %s: kubenix.lock has %s, the download is %s", c.Chart, c.Version, c.URL, c.SHA256, got),
			Hint:     "the published chart changed; if you trust the new one, run kubenix helm update",
			Mismatch: true,
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
		return nil, &RemoteError{Msg: fmt.Sprintf("GET %s: %s", url, resp.Status), Status: resp.StatusCode}
	}
	return io.ReadAll(io.LimitReader(resp.Body, 256<<20))
}

func (r *Remote) lockHTTP(ctx context.Context, e *lock.Chart) ([]byte, error) {
	indexURL := e.Repo + "/index.yaml"
	b, err := r.get(ctx, indexURL)
	if err != nil {
		var re *RemoteError
		if errors.As(err, &re) && re.Status == http.StatusNotFound {
			return nil, &RemoteError{Msg: fmt.Sprintf("%s is not a Helm chart repository: %s", e.Repo, re.Msg),
				Hint: "give the repository's URL (where index.yaml is), or an oci:// reference"}
		}
		return nil, err
	}
	var idx repoIndex
	if err := sigsyaml.Unmarshal(b, &idx); err != nil || idx.APIVersion == "" {
		return nil, &RemoteError{Msg: fmt.Sprintf("%s is not a Helm chart repository index", indexURL)}
	}
	versions := idx.Entries[e.Chart]
	var have []string
	for _, v := range versions {
		have = append(have, v.Version)
	}
	if len(have) == 0 {
		return nil, &RemoteError{Msg: fmt.Sprintf("repository %s has no chart %q", e.Repo, e.Chart)}
	}
	version, err := pickVersion(have, e.Constraint)
	if err != nil {
		return nil, &RemoteError{Msg: fmt.Sprintf("repository %s has no version of %s matching %q (it has %s)", e.Repo, e.Chart, e.Constraint, strings.Join(have, ", "))}
	}
	cv := versions[slices.Index(have, version)]
	if len(cv.URLs) == 0 {
		return nil, &RemoteError{Msg: fmt.Sprintf("%s %s has no download URL in %s", e.Chart, cv.Version, indexURL)}
	}
	u, err := resolveURL(e.Repo, cv.URLs[0])
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

// repoIndex is the part of a chart repository's index.yaml kubenix reads.
type repoIndex struct {
	APIVersion string `json:"apiVersion"`
	Entries    map[string][]struct {
		Version string   `json:"version"`
		URLs    []string `json:"urls"`
		Digest  string   `json:"digest"`
	} `json:"entries"`
}

// resolveURL resolves a chart URL of an index against the repository's.
func resolveURL(repoURL, ref string) (string, error) {
	base, err := url.Parse(strings.TrimSuffix(repoURL, "/") + "/")
	if err != nil {
		return "", fmt.Errorf("invalid repository URL %s: %w", repoURL, err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("invalid chart URL %s: %w", ref, err)
	}
	return base.ResolveReference(r).String(), nil
}

// The media types of a Helm chart in an OCI registry.
const (
	chartLayerMediaType       = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	legacyChartLayerMediaType = "application/tar+gzip"
)

func (r *Remote) ociOptions(ctx context.Context) []remote.Option {
	tr := r.HTTP.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithTransport(tr)}
}

func (r *Remote) ociName(s string) []name.Option {
	if r.PlainHTTP {
		return []name.Option{name.Insecure}
	}
	return nil
}

func (r *Remote) lockOCI(ctx context.Context, e *lock.Chart) ([]byte, error) {
	// kubenix helm add oci://host/path/chart: the repository is what is
	// left of the reference without the chart's name.
	ref := strings.TrimPrefix(e.Repo, "oci://") + "/" + e.Chart
	ctx, cancel := context.WithTimeout(ctx, r.HTTP.Timeout)
	defer cancel()
	repo, err := name.NewRepository(ref, r.ociName(ref)...)
	if err != nil {
		return nil, &RemoteError{Msg: fmt.Sprintf("invalid OCI reference oci://%s: %v", ref, err)}
	}
	rawTags, err := remote.List(repo, r.ociOptions(ctx)...)
	if err != nil {
		return nil, &RemoteError{Msg: fmt.Sprintf("cannot list versions of oci://%s: %v", ref, err), Hint: "check the reference, and log in with docker login if the registry needs it"}
	}
	// Helm stores "+" in versions as "_" in tags.
	var tags []string
	for _, t := range rawTags {
		tags = append(tags, strings.ReplaceAll(t, "_", "+"))
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

// pullOCI downloads the chart layer of a chart pushed by helm push, and
// returns it with the manifest's digest.
func (r *Remote) pullOCI(ctx context.Context, ref string) ([]byte, string, error) {
	fail := func(err error) ([]byte, string, error) {
		return nil, "", &RemoteError{Msg: fmt.Sprintf("cannot pull oci://%s: %v", ref, err)}
	}
	ctx, cancel := context.WithTimeout(ctx, r.HTTP.Timeout)
	defer cancel()
	tag := ref
	if i := strings.LastIndexByte(tag, ':'); i > strings.LastIndexByte(tag, '/') {
		tag = tag[:i] + ":" + strings.ReplaceAll(tag[i+1:], "+", "_")
	}
	nref, err := name.ParseReference(tag, r.ociName(tag)...)
	if err != nil {
		return fail(err)
	}
	desc, err := remote.Get(nref, r.ociOptions(ctx)...)
	if err != nil {
		return fail(err)
	}
	var m struct {
		Layers []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		return fail(err)
	}
	for _, l := range m.Layers {
		if l.MediaType != chartLayerMediaType && l.MediaType != legacyChartLayerMediaType {
			continue
		}
		layer, err := remote.Layer(nref.Context().Digest(l.Digest), r.ociOptions(ctx)...)
		if err != nil {
			return fail(err)
		}
		rc, err := layer.Compressed()
		if err != nil {
			return fail(err)
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, 256<<20))
		if err != nil {
			return fail(err)
		}
		return data, desc.Digest.String(), nil
	}
	return fail(fmt.Errorf("the artifact has no Helm chart layer (%s)", chartLayerMediaType))
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
