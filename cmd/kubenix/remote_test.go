package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	helmregistry "helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
	sigsyaml "sigs.k8s.io/yaml"
)

// packageChart writes examples/helm's webapp chart as an archive of the
// given version.
func packageChart(t *testing.T, version string) (string, []byte) {
	t.Helper()
	c, err := loader.Load(filepath.Join(repoRoot(t), "examples", "helm", "charts", "webapp"))
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata.Version = version
	p, err := chartutil.Save(c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	return filepath.Base(p), b
}

// chartRepo is an HTTP chart repository on 127.0.0.1: index.yaml and archives.
type chartRepo struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	index *repo.IndexFile
}

func newChartRepo(t *testing.T) *chartRepo {
	r := &chartRepo{files: map[string][]byte{}, index: repo.NewIndexFile()}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		name := strings.TrimPrefix(req.URL.Path, "/")
		if name == "index.yaml" {
			b, _ := sigsyaml.Marshal(r.index)
			w.Write(b)
			return
		}
		b, ok := r.files[name]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *chartRepo) publish(t *testing.T, version string) []byte {
	name, data := packageChart(t, version)
	c, _ := loader.LoadArchive(strings.NewReader(string(data)))
	sum := sha256.Sum256(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[name] = data
	if err := r.index.MustAdd(c.Metadata, name, r.srv.URL, "sha256:"+hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	r.index.SortEntries()
	return data
}

const fetchApp = `{ kubenix }: {
  web = kubenix.helm.chart {
    chart = kubenix.helm.fetch { repo = "%REPO%"; chart = "webapp"; version = "%VERSION%"; };
    name = "w";
  };
}`

func writeFetchApp(t *testing.T, dir, repoURL, version string) {
	writeFile(t, filepath.Join(dir, "app.nix"), strings.NewReplacer("%REPO%", repoURL, "%VERSION%", version).Replace(fetchApp))
}

func readLock(t *testing.T, path string) map[string]map[string]any {
	var l struct{ Charts map[string]map[string]any }
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &l)
	return l.Charts
}

func TestHelmAddFetchUpdateFromRepository(t *testing.T) {
	requireNix(t)
	r := newChartRepo(t)
	r.publish(t, "1.0.0")
	r.publish(t, "1.1.0")
	dir := t.TempDir()
	res := kubenix(t, dir, "helm", "add", r.srv.URL, "webapp", "--version", "^1.0.0").mustSucceed(t)
	if !strings.Contains(res.stdout, "locked webapp 1.1.0 from "+r.srv.URL+"/webapp-1.1.0.tgz") {
		t.Fatalf("add: %s", res.stdout)
	}
	key := r.srv.URL + "/webapp@^1.0.0"
	entry := readLock(t, filepath.Join(dir, "kubenix.lock"))[key]
	if entry["version"] != "1.1.0" || len(entry["sha256"].(string)) != 64 {
		t.Fatalf("lock entry: %v", entry)
	}

	writeFetchApp(t, dir, r.srv.URL, "^1.0.0")
	res = kubenix(t, dir, "eval", "app.nix", "-o", "json").mustSucceed(t)
	if !strings.Contains(res.stdout, `"helm.sh/chart": "webapp-1.1.0"`) {
		t.Fatalf("the locked chart was not rendered:\n%s", res.stdout)
	}

	// Offline once locked: the repository is gone, the build still works.
	r.srv.Close()
	kubenix(t, dir, "eval", "app.nix").mustSucceed(t)

	// A chart the lock does not know.
	writeFetchApp(t, dir, "https://charts.example.com", "1.0.0")
	res = kubenix(t, dir, "eval", "app.nix")
	if res.code != 2 || !strings.Contains(res.stderr, "webapp 1.0.0 from https://charts.example.com is not in kubenix.lock; run: kubenix helm add https://charts.example.com webapp --version 1.0.0") {
		t.Errorf("unlocked chart: exit %d\n%s", res.code, res.stderr)
	}
}

func TestHelmUpdateAndMismatch(t *testing.T) {
	requireNix(t)
	r := newChartRepo(t)
	r.publish(t, "1.0.0")
	dir := t.TempDir()
	kubenix(t, dir, "helm", "add", r.srv.URL, "webapp", "--version", "^1.0.0").mustSucceed(t)
	r.publish(t, "1.2.0")
	res := kubenix(t, dir, "helm", "update").mustSucceed(t)
	if !strings.Contains(res.stdout, "webapp@^1.0.0: 1.0.0 -> 1.2.0") {
		t.Errorf("update: %s", res.stdout)
	}
	if v := readLock(t, filepath.Join(dir, "kubenix.lock"))[r.srv.URL+"/webapp@^1.0.0"]["version"]; v != "1.2.0" {
		t.Errorf("lock after update: %v", v)
	}

	// A lock whose hash the download does not have: both hashes are named.
	lockPath := filepath.Join(dir, "kubenix.lock")
	b, _ := os.ReadFile(lockPath)
	var l map[string]any
	json.Unmarshal(b, &l)
	e := l["charts"].(map[string]any)[r.srv.URL+"/webapp@^1.0.0"].(map[string]any)
	real := e["sha256"].(string)
	fake := strings.Repeat("ab", 32)
	e["sha256"] = fake
	b, _ = json.Marshal(l)
	os.WriteFile(lockPath, b, 0o644)
	writeFetchApp(t, dir, r.srv.URL, "^1.0.0")
	res = kubenix(t, dir, "build", "app.nix", "--no-out-link")
	if res.code != 1 || !strings.Contains(res.stderr, "kubenix.lock has "+fake+", the download is "+real) {
		t.Errorf("mismatch: exit %d\n%s", res.code, res.stderr)
	}
}

func TestHelmAddErrors(t *testing.T) {
	r := newChartRepo(t)
	r.publish(t, "1.0.0")
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"helm", "add", r.srv.URL, "webapp", "--version", "9.9.9"}, "has no version of webapp matching \"9.9.9\" (it has 1.0.0)"},
		{[]string{"helm", "add", r.srv.URL, "nothing", "--version", "1.0.0"}, "has no chart \"nothing\""},
		{[]string{"helm", "add", "http://127.0.0.1:1", "webapp", "--version", "1.0.0"}, "cannot reach http://127.0.0.1:1/index.yaml"},
		{[]string{"helm", "add", r.srv.URL + "/webapp-1.0.0.tgz", "webapp", "--version", "1.0.0"}, "webapp-1.0.0.tgz is not a Helm chart repository: GET"},
		{[]string{"helm", "add", r.srv.URL, "webapp"}, "--version is required"},
	} {
		res := kubenix(t, dir, tc.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%v: exit %d, want %q in:\n%s", tc.args, res.code, tc.want, res.stderr)
		}
	}
}

func TestHelmAddFromOCIRegistry(t *testing.T) {
	requireNix(t)
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	client, err := helmregistry.NewClient(helmregistry.ClientOptPlainHTTP(), helmregistry.ClientOptWriter(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0.0", "1.3.0", "2.0.0"} {
		_, data := packageChart(t, v)
		if _, err := client.Push(data, host+"/charts/webapp:"+v); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	res := kubenix(t, dir, "helm", "add", "oci://"+host+"/charts/webapp", "--version", "~1.0", "--plain-http").mustSucceed(t)
	if !strings.Contains(res.stdout, "locked webapp 1.0.0 from oci://"+host+"/charts/webapp:1.0.0") {
		t.Fatalf("add: %s", res.stdout)
	}
	res = kubenix(t, dir, "helm", "add", "oci://"+host+"/charts/webapp", "--version", "^1.0.0", "--plain-http").mustSucceed(t)
	if !strings.Contains(res.stdout, "locked webapp 1.3.0") {
		t.Fatalf("add range: %s", res.stdout)
	}
	entry := readLock(t, filepath.Join(dir, "kubenix.lock"))["oci://"+host+"/charts/webapp@^1.0.0"]
	if !strings.HasPrefix(entry["digest"].(string), "sha256:") {
		t.Errorf("lock entry: %v", entry)
	}
	writeFetchApp(t, dir, "oci://"+host+"/charts", "^1.0.0")
	res = kubenix(t, dir, "eval", "app.nix", "-o", "json").mustSucceed(t)
	if !strings.Contains(res.stdout, `"helm.sh/chart": "webapp-1.3.0"`) {
		t.Fatalf("render of the OCI chart:\n%s", res.stdout)
	}
}
