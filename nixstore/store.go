package nixstore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// exportMagic marks the metadata that follows each NAR in a `nix-store --export` stream.
const exportMagic = 0x4558494e

// WriteExport writes the `nix-store --export` stream of one path holding n,
// with the given references, so that `nix-store --import` registers it.
func WriteExport(w io.Writer, path string, n *Node, references []string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	e := narEncoder{w: bw}
	e.u64(1)
	e.str("nix-archive-1")
	e.node(n)
	e.u64(exportMagic)
	e.str(path)
	e.u64(uint64(len(references)))
	for _, r := range references {
		e.str(r)
	}
	e.str("") // deriver
	e.u64(0)  // no legacy signature
	e.u64(0)  // end of stream
	if e.err != nil {
		return e.err
	}
	return bw.Flush()
}

// Store adds trees to a Nix store through the nix-store command.
type Store struct {
	Dir      string // the store directory, e.g. /nix/store
	NixStore string // the nix-store executable
	StateDir string // Nix's state directory (default /nix/var/nix or $NIX_STATE_DIR)
	// Unreferenced lists the paths Add had to add without their
	// references (see Add), for the caller to warn about.
	Unreferenced []Unreferenced
}

// Unreferenced is a path added with `nix-store --add`, which records no
// references: the garbage collector may delete the References paths it
// names. Err is why `nix-store --import` was refused.
type Unreferenced struct {
	Path       string
	References int
	Err        error
}

// Add puts tree n into the store under name and returns its store path. The
// path is content-addressed (the one `nix-store --add` would give for the
// same tree and references), so adding the same tree twice is cheap and
// yields the same path. references are store paths the tree needs: the
// garbage collector keeps them as long as the new path lives.
//
// The tree is streamed to `nix-store --import`; where the store refuses
// unsigned imports (a daemon and an untrusted user), it is written to a
// temporary directory and added with `nix-store --add` instead, which
// cannot record references: the path then has none, and Unreferenced
// records it.
func (s *Store) Add(ctx context.Context, name string, n *Node, references []string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	h, err := NARHash(n)
	if err != nil {
		return "", err
	}
	references = slices.Clone(references)
	slices.Sort(references)
	references = slices.Compact(references)
	p := SourcePath(s.Dir, name, h, references)
	var stream bytes.Buffer
	if err := WriteExport(&stream, p, n, references); err != nil {
		return "", err
	}
	importErr := s.run(ctx, &stream, "--import")
	if importErr == nil {
		return p, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	got, err := s.addFromDisk(ctx, name, n)
	if err != nil {
		return "", fmt.Errorf("%w (import failed too: %v)", err, importErr)
	}
	if want := SourcePath(s.Dir, name, h, nil); got != want {
		return "", fmt.Errorf("nix-store --add gave %s, expected %s", got, want)
	}
	if len(references) > 0 {
		s.Unreferenced = append(s.Unreferenced, Unreferenced{Path: got, References: len(references), Err: importErr})
	}
	return got, nil
}

func (s *Store) addFromDisk(ctx context.Context, name string, n *Node) (string, error) {
	tmp, err := os.MkdirTemp("", "kubenix-add-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	dst := filepath.Join(tmp, name)
	if err := WriteTree(dst, n); err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, s.NixStore, "--add", dst)
	cmd.Stdout = &out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("nix-store --add: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// AddRoot points link at path and registers link as an indirect GC root, as
// nix-build does for ./result. The link is replaced atomically.
//
// Where the GC roots directory is writable (root, or a single-user install)
// this is done directly, exactly as Nix's local store does it: a symlink in
// gcroots/auto named by the hash of the link's path. Otherwise nix-store
// asks the daemon.
func (s *Store) AddRoot(ctx context.Context, path, link string) error {
	abs, err := filepath.Abs(link)
	if err != nil {
		return err
	}
	auto := filepath.Join(s.stateDir(), "gcroots", "auto")
	if unix.Access(auto, unix.W_OK) != nil {
		return s.run(ctx, nil, "--realise", path, "--add-root", abs, "--indirect")
	}
	if err := ReplaceSymlink(path, abs); err != nil {
		return err
	}
	sum := sha1.Sum([]byte(abs))
	return ReplaceSymlink(abs, filepath.Join(auto, Base32(sum[:])))
}

func (s *Store) stateDir() string {
	if s.StateDir != "" {
		return s.StateDir
	}
	if d := os.Getenv("NIX_STATE_DIR"); d != "" {
		return d
	}
	return "/nix/var/nix"
}

// ReplaceSymlink makes link point at target, replacing whatever link was
// in one rename, so readers see either the old or the new target.
func ReplaceSymlink(target, link string) error {
	tmp := fmt.Sprintf("%s.tmp-%d", link, os.Getpid())
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func (s *Store) run(ctx context.Context, stdin io.Reader, args ...string) error {
	cmd := exec.CommandContext(ctx, s.NixStore, args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("nix-store %s: %s", args[0], strings.TrimSpace(stderr.String()))
		}
		return fmt.Errorf("nix-store %s: %w", args[0], err)
	}
	return nil
}

// WriteTree materialises n at path, which must not exist yet.
func WriteTree(path string, n *Node) error {
	switch n.Type {
	case Regular:
		mode := os.FileMode(0o444)
		if n.Executable {
			mode = 0o555
		}
		return os.WriteFile(path, n.Contents, mode)
	case Symlink:
		return os.Symlink(n.Target, path)
	case Directory:
		if err := os.Mkdir(path, 0o755); err != nil {
			return err
		}
		for name, c := range n.Entries {
			if err := WriteTree(filepath.Join(path, name), c); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown node type %d", n.Type)
}

// AddFixed adds a flat file as a fixed-output path (what
// builtins.fetchurl with that sha256 gives) and returns its store path.
// Adding an existing path is a no-op.
func (s *Store) AddFixed(ctx context.Context, name string, data []byte) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	p := FixedOutputPath(s.Dir, name, sum)
	if _, err := os.Stat(p); err == nil {
		if err := s.run(ctx, nil, "--check-validity", p); err == nil {
			return p, nil
		}
	}
	tmp, err := os.MkdirTemp("", "kubenix-fixed-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	f := filepath.Join(tmp, name)
	if err := os.WriteFile(f, data, 0o444); err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, s.NixStore, "--add-fixed", "sha256", f)
	cmd.Stdout = &out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("nix-store --add-fixed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if got := strings.TrimSpace(out.String()); got != p {
		return "", fmt.Errorf("nix-store --add-fixed gave %s, expected %s", got, p)
	}
	return p, nil
}

// Realise builds derivations (nix-store --realise).
func (s *Store) Realise(ctx context.Context, drvs []string) error {
	if len(drvs) == 0 {
		return nil
	}
	args := append([]string{"--realise"}, drvs...)
	cmd := exec.CommandContext(ctx, s.NixStore, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return realiseError(stderr.String())
	}
	return nil
}

// RealiseError is a failed nix-store --realise: Nix's own message, then the
// tail of the failing builder's output, which is where the reason usually
// is. Drvs are the derivations Nix's message names.
type RealiseError struct {
	Msg  string
	Drvs []string
}

func (e *RealiseError) Error() string { return e.Msg }

var drvInMessage = regexp.MustCompile(`'(/[^']+\.drv)'`)

func realiseError(stderr string) error {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	errAt := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "error: ") {
			errAt = i
			break
		}
	}
	if errAt < 0 {
		return fmt.Errorf("nix-store --realise: %s", strings.TrimSpace(stderr))
	}
	msg := strings.TrimPrefix(strings.Join(lines[errAt:], "\n"), "error: ")
	var drvs []string
	for _, m := range drvInMessage.FindAllStringSubmatch(msg, -1) {
		drvs = append(drvs, m[1])
	}
	var log []string
	for i := errAt - 1; i >= 0; i-- {
		l := lines[i]
		if strings.HasPrefix(l, "building '") {
			break
		}
		if strings.HasPrefix(l, "warning: ") {
			continue
		}
		log = append([]string{l}, log...)
	}
	const tail = 10
	if len(log) > tail {
		log = log[len(log)-tail:]
	}
	if len(log) > 0 {
		msg += "; last lines of its log:\n    " + strings.Join(log, "\n    ")
	}
	return &RealiseError{Msg: msg, Drvs: drvs}
}
