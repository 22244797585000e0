package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubenix/kubenix/image"
)

// imageApp writes an app whose Deployment runs a Nix-built image (built
// from image/testdata/images.nix with a content unique to the test) and a
// third-party one.
func imageApp(t *testing.T, dir, thirdParty, extraArgs string) {
	t.Helper()
	imagesNix, _ := filepath.Abs(filepath.Join(repoRoot(t), "image", "testdata", "images.nix"))
	writeFile(t, filepath.Join(dir, "app.nix"), fmt.Sprintf(`{ kubenix }: {
  web = {
    apiVersion = "apps/v1"; kind = "Deployment";
    metadata = { name = "web"; namespace = "shop"; };
    spec = {
      selector.matchLabels.app = "web";
      template.metadata.labels.app = "web";
      template.spec.containers = [
        { name = "web"; image = kubenix.image (import %s { name = "shop/web"; content = "%s"; %s }); }
        { name = "proxy"; image = "%s"; }
      ];
    };
  };
}`, imagesNix, t.Name(), extraArgs, thirdParty))
}

var pinnedRef = regexp.MustCompile(`image: (localhost:5000/shop/web:[0-9a-z]{32})@(sha256:[0-9a-f]{64})`)

func TestNixImagesBuildAndServe(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	imageApp(t, dir, "nginx:1.27", "")
	r := kubenix(t, dir, "build", "app.nix", "--out-dir", "out")
	r.mustSucceed(t)
	tagged := readTree(t, filepath.Join(dir, "out"))["0280-deployment-shop-web.yaml"]
	if !regexp.MustCompile(`image: localhost:5000/shop/web:[0-9a-z]{32}\n`).MatchString(tagged) {
		t.Fatalf("without --images build the reference carries the store hash:\n%s", tagged)
	}
	kubenix(t, dir, "build", "app.nix", "--images", "build").mustSucceed(t)
	files := readTree(t, filepath.Join(dir, "result")+"/")
	m := pinnedRef.FindStringSubmatch(files["0280-deployment-shop-web.yaml"])
	if m == nil {
		t.Fatalf("--images build must pin by digest:\n%s", files["0280-deployment-shop-web.yaml"])
	}
	tag, digest := m[1], m[2]
	archive := regexp.MustCompile(`\tstore-hash\t(/nix/store/\S+)`).FindStringSubmatch(files["images.txt"])
	if !strings.Contains(files["images.txt"], tag+"@"+digest+"\tstore-hash\t/nix/store/") || archive == nil {
		t.Fatalf("images.txt:\n%s", files["images.txt"])
	}
	// The result keeps the archive from the garbage collector.
	result, _ := os.Readlink(filepath.Join(dir, "result"))
	refs, err := exec.Command("nix-store", "--query", "--references", result).Output()
	if err != nil || strings.TrimSpace(string(refs)) != archive[1] {
		t.Errorf("references of the result: %q, %v; want %s", refs, err, archive[1])
	}

	// Serve the result and pull from it over loopback.
	addr, stop := serveResult(t, filepath.Join(dir, "result"))
	pullRef := addr + "/shop/web@" + digest
	ref, err := name.ParseReference(pullRef, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if d, _ := img.Digest(); d.String() != digest {
		t.Errorf("served digest %s, manifests say %s", d, digest)
	}
	layers, _ := img.Layers()
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	if !strings.Contains(string(b), t.Name()) {
		t.Error("the layer is not the image's")
	}
	// By tag, with 32 pulls at once.
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			r, err := name.ParseReference(addr+"/shop/web:"+tag[strings.LastIndexByte(tag, ':')+1:], name.Insecure)
			if err != nil {
				errs <- err
				return
			}
			i, err := remote.Image(r)
			if err == nil {
				_, err = i.ConfigFile()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent pull: %v", err)
		}
	}
	// Ranges, HEAD, refused writes, unknown names, and nothing outside.
	layerDigest, _ := layers[0].Digest()
	req, _ := http.NewRequest("GET", "http://"+addr+"/v2/shop/web/blobs/"+layerDigest.String(), nil)
	req.Header.Set("Range", "bytes=0-9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusPartialContent || resp.ContentLength != 10 {
		t.Errorf("range: %v %v", resp, err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"HEAD", "/v2/shop/web/manifests/" + digest, 200, ""},
		{"GET", "/v2/", 200, ""},
		{"PUT", "/v2/shop/web/manifests/latest", 405, "UNSUPPORTED"},
		{"POST", "/v2/shop/web/blobs/uploads/", 405, "UNSUPPORTED"},
		{"DELETE", "/v2/shop/web/manifests/" + digest, 405, "UNSUPPORTED"},
		{"GET", "/v2/shop/nope/manifests/latest", 404, "NAME_UNKNOWN"},
		{"GET", "/v2/shop/web/manifests/latest", 404, "MANIFEST_UNKNOWN"},
		{"GET", "/v2/shop/web/blobs/sha256:" + strings.Repeat("0", 64), 404, "BLOB_UNKNOWN"},
		{"GET", "/v2/shop/web/blobs/..%2F..%2F..%2Fetc%2Fpasswd", 404, "NOT_FOUND"},
		{"GET", "/v2/../../etc/passwd", 404, "NOT_FOUND"},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+addr+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || tc.code != "" && !strings.Contains(string(body), `"code":"`+tc.code+`"`) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.code)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve ended with %v", err)
	}
}

// testRegistry runs go-containerregistry's registry on 127.0.0.1 and
// counts blob uploads.
func testRegistry(t *testing.T) (string, *int) {
	uploads := new(int)
	var mu sync.Mutex
	h := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads") {
			mu.Lock()
			*uploads++
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), uploads
}

func TestImagesPush(t *testing.T) {
	requireNix(t)
	host, uploads := testRegistry(t)
	dir := t.TempDir()
	imageApp(t, dir, "nginx:1.27", "")
	r := kubenix(t, dir, "images", "push", "app.nix", "--registry", host).mustSucceed(t)
	m := regexp.MustCompile(`pushed (` + regexp.QuoteMeta(host) + `/shop/web:[0-9a-z]{32})@(sha256:[0-9a-f]{64})`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("push: %s", r.stdout)
	}
	ref, _ := name.ParseReference(m[1])
	desc, err := remote.Head(ref)
	if err != nil || desc.Digest.String() != m[2] {
		t.Fatalf("the registry serves %v (%v), want %s", desc, err, m[2])
	}
	// The same digest as the build writes into the manifests.
	kubenix(t, dir, "build", "app.nix", "--images", "build", "--out-dir", "out").mustSucceed(t)
	if !strings.Contains(readTree(t, filepath.Join(dir, "out"))["0280-deployment-shop-web.yaml"], m[2]) {
		t.Error("push and build disagree on the digest")
	}
	first := *uploads
	kubenix(t, dir, "images", "push", "app.nix", "--registry", host).mustSucceed(t)
	if *uploads != first {
		t.Errorf("the second push uploaded %d blobs the registry had", *uploads-first)
	}
	if r := kubenix(t, dir, "images", "push", "app.nix", "--registry", "127.0.0.1:1"); r.code != 2 {
		t.Errorf("unreachable registry: exit %d\n%s", r.code, r.stderr)
	}
}

func TestImagesLockAndRequirePinned(t *testing.T) {
	requireNix(t)
	host, _ := testRegistry(t)
	third := host + "/library/nginx:1.27"
	img, _ := random.Image(256, 1)
	ref, _ := name.ParseReference(third)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	dir := t.TempDir()
	imageApp(t, dir, third, "")
	if r := kubenix(t, dir, "build", "app.nix", "--no-out-link", "--require-pinned"); r.code != 1 ||
		!strings.Contains(r.stderr, "spec.template.spec.containers[1].image: image "+third+" is not pinned to a digest") {
		t.Errorf("--require-pinned: exit %d\n%s", r.code, r.stderr)
	}
	r := kubenix(t, dir, "images", "lock", "app.nix").mustSucceed(t)
	if !strings.Contains(r.stdout, third+": locked "+want.String()) {
		t.Fatalf("lock: %s", r.stdout)
	}
	var l struct {
		Images map[string]struct{ Digest string }
	}
	b, _ := os.ReadFile(filepath.Join(dir, "kubenix.lock"))
	json.Unmarshal(b, &l)
	if l.Images[third].Digest != want.String() {
		t.Fatalf("kubenix.lock: %s", b)
	}
	r = kubenix(t, dir, "build", "app.nix", "--out-dir", "out", "--require-pinned").mustSucceed(t)
	if !strings.Contains(readTree(t, filepath.Join(dir, "out"))["0280-deployment-shop-web.yaml"], "image: "+third+"@"+want.String()) {
		t.Error("the build did not pin from the lock")
	}
	r = kubenix(t, dir, "images", "app.nix").mustSucceed(t)
	if !strings.Contains(r.stdout, third+"@"+want.String()) || !strings.Contains(r.stdout, "pinned by kubenix.lock") {
		t.Errorf("images:\n%s", r.stdout)
	}
	// A stale entry is reported.
	l.Images["nginx:1.25"] = struct{ Digest string }{"sha256:" + strings.Repeat("1", 64)}
	b, _ = json.Marshal(map[string]any{"version": 1, "images": l.Images})
	os.WriteFile(filepath.Join(dir, "kubenix.lock"), b, 0o644)
	r = kubenix(t, dir, "build", "app.nix", "--no-out-link").mustSucceed(t)
	if !strings.Contains(r.stderr, "warning: kubenix.lock pins image nginx:1.25, which no object uses any more") {
		t.Errorf("stale: %s", r.stderr)
	}
	// The registry no longer has the locked digest.
	dref, _ := name.ParseReference(host + "/library/nginx@" + want.String())
	if err := remote.Delete(dref); err != nil {
		t.Fatal(err)
	}
	r = kubenix(t, dir, "images", "lock", "app.nix", "--check")
	if r.code != 1 || !strings.Contains(r.stderr, "kubenix.lock pins "+third+" to "+want.String()+", which its registry no longer serves") {
		t.Errorf("--check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A nix-snapshotter reference names the image's store path itself: the
// build realises it and the result keeps it alive; nothing is pushed.
func TestSnapshotterImage(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	nonce := fmt.Sprint(time.Now().UnixNano())
	writeFile(t, filepath.Join(dir, "app.nix"), `{ kubenix }: {
  pod = {
    apiVersion = "v1"; kind = "Pod";
    metadata = { name = "snap"; namespace = "shop"; };
    spec.containers = [{
      name = "app";
      image = kubenix.image.snapshotter (derivation {
        name = "snap-image.json"; system = builtins.currentSystem; builder = "/bin/sh";
        args = [ "-c" "echo '{\"nonce\": \"`+nonce+`\"}' > $out" ];
      });
    }];
  };
}`)
	kubenix(t, dir, "build", "app.nix", "--out-dir", "out").mustSucceed(t)
	m := regexp.MustCompile(`image: nix:0(/nix/store/[0-9a-z]{32}-snap-image.json)\n`).FindStringSubmatch(readTree(t, filepath.Join(dir, "out"))["0250-pod-shop-snap.yaml"])
	if m == nil {
		t.Fatalf("out: %v", readTree(t, filepath.Join(dir, "out")))
	}
	if _, err := os.Stat(m[1]); err == nil {
		t.Fatal("the image was built without --images build")
	}
	kubenix(t, dir, "build", "app.nix", "--images", "build").mustSucceed(t)
	if b, err := os.ReadFile(m[1]); err != nil || !strings.Contains(string(b), nonce) {
		t.Fatalf("--images build did not build %s: %v", m[1], err)
	}
	files := readTree(t, filepath.Join(dir, "result")+"/")
	if !strings.Contains(files["images.txt"], "nix:0"+m[1]+"\tsnapshotter\t"+m[1]+"\t") {
		t.Errorf("images.txt:\n%s", files["images.txt"])
	}
	result, _ := os.Readlink(filepath.Join(dir, "result"))
	refs, _ := exec.Command("nix-store", "--query", "--references", result).Output()
	if strings.TrimSpace(string(refs)) != m[1] {
		t.Errorf("references of the result: %q", refs)
	}
}

func TestImageErrors(t *testing.T) {
	requireNix(t)
	for _, tc := range []struct {
		name, extra, third string
		want               string
	}{
		{"not an image", "notImage = true;", "nginx:1.27", "does not build an image: /nix/store/"},
		{"failing build", "fail = true;", "nginx:1.27", "something broke"},
		{"invalid reference", "", "Nginx:LATEST:!!", `spec.template.spec.containers[1].image: invalid image reference "Nginx:LATEST:!!"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			imageApp(t, dir, tc.third, tc.extra)
			r := kubenix(t, dir, "build", "app.nix", "--no-out-link", "--images", "build")
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "Deployment/shop/web") {
				t.Errorf("exit %d, want %q in:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
	dir := t.TempDir()
	imageApp(t, dir, "nginx:1.27", "")
	if r := kubenix(t, dir, "images", "lock", "app.nix", "--image-field", "nonsense"); r.code != 2 {
		t.Errorf("bad --image-field: exit %d", r.code)
	}
}

// An archive altered after the build no longer matches the digest the
// build pinned: serving it is refused.
func TestTamperedArchive(t *testing.T) {
	requireNix(t)
	dir := t.TempDir()
	imageApp(t, dir, "nginx:1.27", "")
	kubenix(t, dir, "build", "app.nix", "--images", "build").mustSucceed(t)
	list := readTree(t, filepath.Join(dir, "result")+"/")["images.txt"]
	archive := regexp.MustCompile(`/nix/store/\S+-shop-web-image\.tar`).FindString(list)
	if archive == "" {
		t.Fatalf("images.txt:\n%s", list)
	}
	b, _ := os.ReadFile(archive)
	os.Chmod(filepath.Dir(archive), 0o755)
	os.Chmod(archive, 0o644)
	tampered := strings.Replace(string(b), t.Name(), strings.ToUpper(t.Name()), 1)
	if err := os.WriteFile(archive, []byte(tampered), 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(archive, b, 0o444) })
	err := image.ServeRegistry(context.Background(), filepath.Join(dir, "result"), "127.0.0.1:0", t.TempDir(), func(image.ServeEvent) {})
	if err == nil || !strings.Contains(err.Error(), "the archive was altered") && !strings.Contains(err.Error(), "changed after the build") {
		t.Errorf("serve: %v", err)
	}
}

// A registry that answers but refuses: pushes and lookups fail naming the
// reference, the status and what it means, as environment errors (exit 2),
// and nothing is written.
func TestRefusingRegistry(t *testing.T) {
	requireNix(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	imageApp(t, dir, host+"/library/nginx:1.27", "")
	r := kubenix(t, dir, "images", "push", "app.nix", "--registry", host)
	if r.code != 2 || !strings.Contains(r.stderr, host+"/shop/web:") || !strings.Contains(r.stderr, "403 Forbidden") || !strings.Contains(r.stderr, "the registry denies access to this repository") {
		t.Errorf("push: exit %d\n%s", r.code, r.stderr)
	}
	r = kubenix(t, dir, "images", "lock", "app.nix")
	if r.code != 2 || !strings.Contains(r.stderr, host+"/library/nginx:1.27") || !strings.Contains(r.stderr, "403 Forbidden") || !strings.Contains(r.stderr, "the registry denies access to this repository") {
		t.Errorf("lock: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "kubenix.lock")); err == nil {
		t.Error("a failed lock wrote kubenix.lock")
	}
}

// serveResult serves a result's images as `kubenix registry serve` does,
// and gives the address its one image is served at (read from the line
// the command prints) and stop, which ends the server and gives what
// ServeRegistry returned.
func serveResult(t *testing.T, result string) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addrCh := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- image.ServeRegistry(ctx, result, "127.0.0.1:0", cacheHome(t)+"/kubenix", func(ev image.ServeEvent) {
			if a, ok := strings.CutPrefix(serveLine(ev), "kubenix: serving 1 images at http://"); ok {
				addrCh <- strings.Fields(a)[0]
			}
		})
	}()
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the registry did not start")
	}
	return addr, func() error { cancel(); return <-done }
}
