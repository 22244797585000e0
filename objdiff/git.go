package objdiff

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/kubenix/kubenix/diag"
)

// loadRev reads PATH as it is in git revision REV: the revision's whole
// tree is written to a temporary directory (so imports relative to the
// file work), the side is read there, and the directory is removed.
// Messages name files as REV:path-in-repository, as git does.
func (l *Loader) loadRev(ctx context.Context, name, rev, file string) (*Side, error) {
	if file == "" {
		return nil, diag.Usagef("%s: REV:PATH needs a PATH after the colon", name)
	}
	if strings.HasPrefix(rev, "-") {
		return nil, diag.Usagef("%s: %q is not a git revision", name, rev)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	// The nearest existing directory at or above PATH finds the repository:
	// the file itself may exist only in the revision.
	dir := abs
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	rest, _ := filepath.Rel(dir, abs)
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	top, err := l.git(ctx, real, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, &diag.UsageError{Err: fmt.Errorf("%s: %s is not in a git repository: %w", name, file, err)}
	}
	inRepo, err := filepath.Rel(top, filepath.Join(real, rest))
	if err != nil || !filepath.IsLocal(inRepo) && inRepo != "." {
		return nil, diag.Usagef("%s: %s is outside the git repository %s", name, file, top)
	}
	commit, err := l.git(ctx, top, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, &diag.UsageError{
			Err:  fmt.Errorf("%s: unknown git revision %q in %s", name, rev, top),
			Hint: "give a commit, branch or tag, e.g. HEAD~1:app.nix or origin/main:deploy/app.nix",
		}
	}
	tmp, err := os.MkdirTemp("", "kubenix-diff-")
	if err != nil {
		return nil, &diag.UsageError{Err: err}
	}
	defer os.RemoveAll(tmp)
	if err := l.archive(ctx, top, commit, tmp); err != nil {
		return nil, err
	}
	inside := filepath.Join(tmp, inRepo)
	if _, err := os.Lstat(inside); err != nil {
		return nil, diag.Usagef("%s: %s does not exist in revision %s", name, filepath.ToSlash(inRepo), rev)
	}
	prefix := rev + ":"
	side, err := l.loadPath(ctx, name, inside)
	if err != nil {
		return nil, relabelErr(err, tmp, prefix)
	}
	side.Warnings = relabel(side.Warnings, tmp, prefix, prefix)
	return side, nil
}

// relabelErr makes an error of a side read in a temporary tree name its
// files as REV:path.
func relabelErr(err error, tmp, prefix string) error {
	var inv *diag.InvalidInput
	if errors.As(err, &inv) {
		inv.Diagnostics = relabel(inv.Diagnostics, tmp, prefix, prefix)
		return err
	}
	msg := strings.ReplaceAll(err.Error(), tmp+string(filepath.Separator), prefix)
	if msg == err.Error() {
		return err
	}
	var ue *diag.UsageError
	if errors.As(err, &ue) {
		return &diag.UsageError{Err: errors.New(msg), Hint: ue.Hint}
	}
	return errors.New(msg)
}

// git runs git in dir and returns its output without the final newline.
func (l *Loader) git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd, err := l.gitCommand(ctx, dir, args...)
	if err != nil {
		return "", err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", errors.New(msg)
		}
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

func (l *Loader) gitCommand(ctx context.Context, dir string, args ...string) (*exec.Cmd, error) {
	bin := l.Git
	if bin == "" {
		bin = "git"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		return nil, &diag.UsageError{Err: fmt.Errorf("git not found: %w", err), Hint: "REV:PATH reads files from git; install git"}
	}
	return exec.CommandContext(ctx, p, append([]string{"-C", dir}, args...)...), nil
}

// archive writes the tree of commit into dest.
func (l *Loader) archive(ctx context.Context, top, commit, dest string) error {
	cmd, err := l.gitCommand(ctx, top, "archive", "--format=tar", commit)
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return &diag.UsageError{Err: err}
	}
	uerr := untar(out, dest)
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if werr != nil {
		return &diag.UsageError{Err: fmt.Errorf("git archive %s: %v: %s", commit, werr, strings.TrimSpace(stderr.String()))}
	}
	if uerr != nil {
		return &diag.UsageError{Err: fmt.Errorf("git archive %s: %w", commit, uerr)}
	}
	return nil
}

// untar writes the directories, files and symlinks of a tar stream (as git
// archive writes it) below dest.
func untar(r io.Reader, dest string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(path.Clean(h.Name))
		if name == "." {
			continue
		}
		if !filepath.IsLocal(name) {
			return fmt.Errorf("unexpected path %q in the archive", h.Name)
		}
		target := filepath.Join(dest, name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, 0o755)
		case tar.TypeReg:
			err = writeFile(target, tr, h.Mode&0o111 != 0)
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
				err = os.Symlink(h.Linkname, target)
			}
		}
		if err != nil {
			return err
		}
	}
}

func writeFile(target string, r io.Reader, executable bool) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if executable {
		mode = 0o755
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
