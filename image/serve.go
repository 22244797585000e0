package image

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/internal/userfile"
	"github.com/kubenix/kubenix/nixstore"
)

// ServeEvent is what ServeRegistry reports as it starts: a Serving for
// each image, then one Listening.
type ServeEvent interface{ serveEvent() }

// Serving is an image the registry serves: path:tag, by its digest.
type Serving struct{ Path, Tag, Digest string }

// Listening is the registry ready: its images, and the address it listens on.
type Listening struct {
	Images int
	Addr   string
}

func (Serving) serveEvent()   {}
func (Listening) serveEvent() {}

// ServeRegistry serves the Nix-built images a result refers to, read-only,
// until ctx ends, telling events what it serves and where.
func ServeRegistry(ctx context.Context, result, addr, cacheDir string, events func(ServeEvent)) error {
	if err := CheckListenAddr(addr); err != nil {
		return err
	}
	data, err := userfile.Read(filepath.Join(result, ListFile), userfile.SmallLimit)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(result); serr != nil {
			return diag.Usagef("%s: no such result (build one with kubenix build)", result)
		}
		return diag.Usagef("%s has no %s: the build refers to no images", result, ListFile)
	}
	if err != nil {
		return &diag.UsageError{Err: err}
	}
	infos, err := ParseList(data)
	if err != nil {
		return &diag.UsageError{Err: err}
	}
	reg := NewRegistry()
	n := 0
	for _, info := range infos {
		if info.Pin != PinStoreHash || info.Archive == "" {
			continue // third-party and nix-snapshotter images are not ours to serve
		}
		img, err := LoadStored(ctx, nixstore.EnvDir(), info.Archive, cacheDir)
		if err != nil {
			return &diag.UsageError{Err: err}
		}
		if info.Digest != "" && img.Digest != info.Digest {
			return tampered(info, img)
		}
		ref, _, _ := strings.Cut(info.Ref, "@")
		_, path, err := PathOf(ref)
		if err != nil {
			return &diag.UsageError{Err: err}
		}
		tag := ref[strings.LastIndexByte(ref, ':')+1:]
		reg.Add(path, tag, img)
		events(Serving{Path: path, Tag: tag, Digest: img.Digest})
		n++
	}
	if n == 0 {
		return diag.Usagef("%s refers to no Nix-built images", result)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &diag.UsageError{Err: err}
	}
	srv := &http.Server{Handler: reg, ReadHeaderTimeout: 10 * time.Second}
	events(Listening{Images: n, Addr: ln.Addr().String()})
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &diag.UsageError{Err: err}
	}
	return nil
}

// CheckListenAddr validates --addr before any image is read: HOST:PORT,
// the host an IP address, a name or empty (every interface), the port a
// number (0 picks a free one).
func CheckListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &diag.UsageError{Err: fmt.Errorf("--addr %q: expected HOST:PORT (127.0.0.1:5000, :5000)", addr)}
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || strconv.FormatUint(n, 10) != port {
		return &diag.UsageError{Err: fmt.Errorf("--addr %q: the port %q is not a number from 0 to 65535", addr, port)}
	}
	if host != "" && net.ParseIP(host) == nil && !hostName.MatchString(host) {
		return &diag.UsageError{Err: fmt.Errorf("--addr %q: %q is not an IP address or a host name", addr, host)}
	}
	return nil
}

var hostName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$`)

func tampered(info *Info, img *Image) error {
	return diag.List{{Severity: diag.Error, Pos: diag.Pos{File: info.Archive},
		Message: fmt.Sprintf("%s now gives manifest %s, but the build pinned %s: the image archive changed after the build", info.Archive, img.Digest, info.Digest),
		Hint:    "rebuild (kubenix build --images build) and check the Nix store (nix-store --verify --check-contents)"}}.Err()
}
