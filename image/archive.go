// Reading image archives into go-containerregistry's types (v1.Descriptor,
// v1.Manifest, v1.IndexManifest), by hand where the library would change
// digests: its tarball reader re-describes a docker archive as a Docker
// schema 2 image with gzip-compressed layers (a new, non-reproducible digest
// per compression), and v1.Manifest marshals a descriptor's size before its
// digest, so the manifest kubenix has always written (and every digest pinned
// from it) is sealed from wireManifest below. An OCI layout is read by hand
// too, so each blob is checked against its digest before it is served.
package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/kubenix/kubenix/nixstore"
)

// The images kubenix writes are OCI manifests (types.OCIManifestSchema1)
// with uncompressed layers (types.OCIUncompressedLayer). The layers of a
// docker archive are uncompressed tars already, so their digests are the
// image's diff IDs and no (non-reproducible) recompression is involved: the
// same archive always gives the same manifest digest.

// wireDescriptor and wireManifest are the JSON of the manifest as kubenix
// seals it: v1.Descriptor would put size before digest, another manifest
// with another digest.
type wireDescriptor struct {
	MediaType types.MediaType `json:"mediaType"`
	Digest    string          `json:"digest"`
	Size      int64           `json:"size"`
}

type wireManifest struct {
	SchemaVersion int              `json:"schemaVersion"`
	MediaType     types.MediaType  `json:"mediaType"`
	Config        wireDescriptor   `json:"config"`
	Layers        []wireDescriptor `json:"layers"`
}

func wire(d v1.Descriptor) wireDescriptor {
	return wireDescriptor{MediaType: d.MediaType, Digest: d.Digest.String(), Size: d.Size}
}

// Image is an image archive made servable: its manifest and the files of
// its blobs, content-addressed on disk.
type Image struct {
	Archive  string // the store path it came from
	Manifest []byte // exactly the bytes served and pushed
	Digest   string // sha256:... of Manifest
	Config   v1.Descriptor
	Layers   []v1.Descriptor
	dir      string // blobs/sha256/<hex>
}

// BlobPath returns the file of a blob of the image, or "".
func (img *Image) BlobPath(digest string) string {
	hexd, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexd) != 64 || strings.Trim(hexd, "0123456789abcdef") != "" {
		return ""
	}
	if digest != img.Config.Digest.String() && !img.hasLayer(digest) {
		return ""
	}
	return filepath.Join(img.dir, "blobs", "sha256", hexd)
}

func (img *Image) hasLayer(d string) bool {
	for _, l := range img.Layers {
		if l.Digest.String() == d {
			return true
		}
	}
	return false
}

// ArchiveError says why an archive is not an image.
type ArchiveError struct {
	Archive string
	Msg     string
}

func (e *ArchiveError) Error() string { return fmt.Sprintf("%s: %s", e.Archive, e.Msg) }

// Load makes an image archive servable. Archives are docker archives
// (docker save format, as dockerTools.buildImage and buildLayeredImage
// write them; plain or gzip-compressed), OCI image layouts (directories),
// or executables that write a docker archive to standard output
// (dockerTools.streamLayeredImage). The blobs are extracted once into
// cacheDir, per archive (a store path, which never changes). With fresh,
// the archive is read again whatever the cache holds: what push and serve
// do, so that an archive altered after the build is caught by its digest.
func Load(ctx context.Context, archive, cacheDir string, fresh bool) (*Image, error) {
	return load(ctx, archive, cacheDir, fresh, true)
}

// LoadStored makes the archive a result names servable, treating the name
// as untrusted: it must lead (after symlinks) to a path in the Nix store
// storeDir, and nothing is ever run. A stream script
// (streamLayeredImage) is served only from what the build that ran it
// extracted into cacheDir, each blob checked against its digest; other
// archives are read again, as Load does with fresh.
func LoadStored(ctx context.Context, storeDir, archive, cacheDir string) (*Image, error) {
	resolved, err := nixstore.ResolveStorePath(storeDir, archive)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &ArchiveError{archive, "not in the store (build the images with the result: kubenix build --images build)"}
	}
	if err != nil {
		var oe *nixstore.OutsideError
		if errors.As(err, &oe) {
			where := "is outside the Nix store " + storeDir
			if oe.Resolved != "" && oe.Resolved != archive {
				where = "leads to " + oe.Resolved + ", outside the Nix store " + storeDir
			}
			return nil, &ArchiveError{archive, "refused: it " + where + "; kubenix serves only image archives in the store"}
		}
		return nil, &ArchiveError{archive, err.Error()}
	}
	return load(ctx, resolved, cacheDir, true, false)
}

func load(ctx context.Context, archive, cacheDir string, fresh, mayRun bool) (*Image, error) {
	fi, err := os.Stat(archive)
	if err != nil {
		return nil, &ArchiveError{archive, "does not exist"}
	}
	if fi.IsDir() {
		return loadLayout(archive)
	}
	dir := filepath.Join(cacheDir, "images", filepath.Base(archive))
	script := fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && !isArchive(archive)
	if script && !mayRun {
		img, err := readCached(archive, dir)
		if err != nil {
			return nil, &ArchiveError{archive, "an image stream script (streamLayeredImage), which kubenix serve never runs, and no build has extracted it into the cache; build with kubenix build --images build first"}
		}
		for _, d := range append([]v1.Descriptor{img.Config}, img.Layers...) {
			if err := verifyBlob(img.BlobPath(d.Digest.String()), d); err != nil {
				return nil, &ArchiveError{archive, fmt.Sprintf("the cached blob %s of its stream script: %v; build again with kubenix build --images build", d.Digest, err)}
			}
		}
		return img, nil
	}
	if !fi.Mode().IsRegular() {
		return nil, &ArchiveError{archive, "not an image archive: not a regular file or an OCI layout directory"}
	}
	if !fresh {
		if img, err := readCached(archive, dir); err == nil {
			return img, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var src io.ReadCloser
	if script {
		src, err = runStream(ctx, archive)
	} else {
		src, err = os.Open(archive)
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()
	img, err := extractDockerArchive(archive, src, tmp)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), img.Manifest, 0o644); err != nil {
		return nil, err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	img.dir = dir
	return img, nil
}

// isArchive reports whether a file starts like a tar or gzip stream.
func isArchive(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	return bytes.HasPrefix(head, []byte{0x1f, 0x8b}) || n >= 262 && string(head[257:262]) == "ustar"
}

// runStream runs a streamLayeredImage script and returns its output.
func runStream(ctx context.Context, script string) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	cmd := exec.CommandContext(ctx, script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, &ArchiveError{script, "cannot run the image stream script: " + err.Error()}
	}
	return &streamReader{r: out, cmd: cmd, cancel: cancel, stderr: &stderr, script: script}, nil
}

type streamReader struct {
	r      io.Reader
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stderr *bytes.Buffer
	script string
}

func (s *streamReader) Read(p []byte) (int, error) { return s.r.Read(p) }
func (s *streamReader) Close() error {
	io.Copy(io.Discard, s.r)
	err := s.cmd.Wait()
	s.cancel()
	if err != nil {
		return &ArchiveError{s.script, fmt.Sprintf("the image stream script failed: %v: %s", err, strings.TrimSpace(s.stderr.String()))}
	}
	return nil
}

type dockerManifest []struct {
	Config string   `json:"Config"`
	Layers []string `json:"Layers"`
}

// extractDockerArchive reads a docker archive once, writing every member
// that may be a layer to dir while hashing it.
func extractDockerArchive(archive string, r io.Reader, dir string) (*Image, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, &ArchiveError{archive, "not an image archive: " + err.Error()}
		}
		defer gz.Close()
		r = gz
	} else {
		r = br
	}
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, err
	}
	type member struct {
		digest v1.Hash
		size   int64
	}
	members := map[string]member{}
	small := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &ArchiveError{archive, "not an image archive (a docker archive, an OCI layout or a stream script): " + err.Error()}
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(h.Name, "./")
		if h.Size < 4<<20 && (strings.HasSuffix(name, ".json") || name == "repositories") {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, &ArchiveError{archive, err.Error()}
			}
			small[name] = b
		}
		f, err := os.CreateTemp(blobs, ".layer-")
		if err != nil {
			return nil, err
		}
		hash := sha256.New()
		var n int64
		if b, ok := small[name]; ok {
			n2, err := f.Write(b)
			n = int64(n2)
			hash.Write(b)
			if err != nil {
				f.Close()
				return nil, err
			}
		} else if n, err = io.Copy(io.MultiWriter(f, hash), tr); err != nil {
			f.Close()
			return nil, &ArchiveError{archive, err.Error()}
		}
		f.Close()
		d := hex.EncodeToString(hash.Sum(nil))
		if err := os.Rename(f.Name(), filepath.Join(blobs, d)); err != nil {
			return nil, err
		}
		members[name] = member{v1.Hash{Algorithm: "sha256", Hex: d}, n}
	}
	raw, ok := small["manifest.json"]
	if !ok {
		return nil, &ArchiveError{archive, "not an image archive: it has no manifest.json (docker save format expected)"}
	}
	var dm dockerManifest
	if err := json.Unmarshal(raw, &dm); err != nil || len(dm) == 0 {
		return nil, &ArchiveError{archive, "not an image archive: manifest.json is not a docker archive manifest"}
	}
	if len(dm) > 1 {
		return nil, &ArchiveError{archive, fmt.Sprintf("the archive holds %d images; kubenix needs one", len(dm))}
	}
	cfg, ok := members[strings.TrimPrefix(dm[0].Config, "./")]
	if !ok {
		return nil, &ArchiveError{archive, "the archive's manifest names a config it does not contain: " + dm[0].Config}
	}
	img := &Image{Archive: archive, Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: cfg.digest, Size: cfg.size}}
	var config struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(small[strings.TrimPrefix(dm[0].Config, "./")], &config); err != nil {
		return nil, &ArchiveError{archive, "the image config is not JSON: " + err.Error()}
	}
	if len(config.RootFS.DiffIDs) != len(dm[0].Layers) {
		return nil, &ArchiveError{archive, fmt.Sprintf("the config lists %d layers, the archive %d", len(config.RootFS.DiffIDs), len(dm[0].Layers))}
	}
	for i, l := range dm[0].Layers {
		m, ok := members[strings.TrimPrefix(l, "./")]
		if !ok {
			return nil, &ArchiveError{archive, "the archive's manifest names a layer it does not contain: " + l}
		}
		if m.digest.String() != config.RootFS.DiffIDs[i] {
			return nil, &ArchiveError{archive, fmt.Sprintf("layer %s has digest %s but the config says %s: the archive was altered", l, m.digest, config.RootFS.DiffIDs[i])}
		}
		img.Layers = append(img.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Digest: m.digest, Size: m.size})
	}
	if err := img.seal(); err != nil {
		return nil, err
	}
	// Drop what is not part of the image (manifest.json, repositories).
	ents, _ := os.ReadDir(blobs)
	for _, e := range ents {
		d := "sha256:" + e.Name()
		if d != img.Config.Digest.String() && !img.hasLayer(d) {
			os.Remove(filepath.Join(blobs, e.Name()))
		}
	}
	return img, nil
}

// seal computes the manifest and its digest.
func (img *Image) seal() error {
	m := wireManifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: wire(img.Config), Layers: []wireDescriptor{}}
	for _, l := range img.Layers {
		m.Layers = append(m.Layers, wire(l))
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	img.Manifest, img.Digest = b, "sha256:"+hex.EncodeToString(sum[:])
	return nil
}

// readCached reads an extracted image.
func readCached(archive, dir string) (*Image, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	img := &Image{Archive: archive, Manifest: b, Config: m.Config, Layers: m.Layers, dir: dir}
	sum := sha256.Sum256(b)
	img.Digest = "sha256:" + hex.EncodeToString(sum[:])
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		if fi, err := os.Stat(img.BlobPath(d.Digest.String())); err != nil || fi.Size() != d.Size {
			return nil, errors.New("incomplete")
		}
	}
	return img, nil
}

func verifyBlob(path string, d v1.Descriptor) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if n != d.Size || "sha256:"+hex.EncodeToString(h.Sum(nil)) != d.Digest.String() {
		return errors.New("blob does not match its digest")
	}
	return nil
}

// loadLayout reads an OCI image layout directory (its single image).
func loadLayout(dir string) (*Image, error) {
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, &ArchiveError{dir, "a directory that is not an OCI image layout (no index.json)"}
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(b, &idx); err != nil || len(idx.Manifests) != 1 {
		return nil, &ArchiveError{dir, "the OCI layout must hold exactly one image"}
	}
	img := &Image{Archive: dir, dir: dir, Digest: idx.Manifests[0].Digest.String()}
	hexd := strings.TrimPrefix(img.Digest, "sha256:")
	mb, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", hexd))
	if err != nil {
		return nil, &ArchiveError{dir, "the OCI layout lacks its manifest blob"}
	}
	if sum := sha256.Sum256(mb); hex.EncodeToString(sum[:]) != hexd {
		return nil, &ArchiveError{dir, "the manifest does not match its digest: the layout was altered"}
	}
	var m v1.Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, &ArchiveError{dir, "the manifest is not JSON"}
	}
	img.Manifest, img.Config, img.Layers = mb, m.Config, m.Layers
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		if err := verifyBlob(img.BlobPath(d.Digest.String()), d); err != nil {
			return nil, &ArchiveError{dir, fmt.Sprintf("blob %s: %v: the layout was altered", d.Digest, err)}
		}
	}
	return img, nil
}
