// Package userfile reads the files a user names (manifests, --crd files,
// kubenix.lock, images.txt): regular files only, of a bounded size, so that
// /dev/zero, a FIFO or a huge file is an error instead of a hang or a crash.
package userfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Size limits of the files kubenix reads. Manifests are the largest a build
// is known to meet (tens of MB); the others are small by nature.
const (
	ManifestLimit = 512 << 20
	SmallLimit    = 16 << 20 // kubenix.lock, images.txt, an --out-dir's .kubenix-result
)

// Error says why a file cannot be read as input. Err is fs.ErrNotExist for
// a missing file (errors.Is works through Error).
type Error struct {
	Path   string
	Reason string
	Err    error
}

func (e *Error) Error() string { return e.Path + ": " + e.Reason }
func (e *Error) Unwrap() error { return e.Err }

// Read reads path, which must be a regular file (after symlinks) of at most
// limit bytes. ("-" is a file name here: no command reads standard input.)
func Read(path string, limit int64) ([]byte, error) {
	f, err := Open(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(path, f, limit)
}

// Open opens path for reading as Read reads it, for a caller that reads a
// large file as it goes instead of whole: path must be a regular file
// (after symlinks) of at most limit bytes, and no more than limit bytes
// are read from it.
func Open(path string, limit int64) (io.ReadCloser, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Path: path, Reason: "no such file", Err: fs.ErrNotExist}
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &Error{Path: path, Reason: pe.Err.Error(), Err: err}
		}
		return nil, &Error{Path: path, Reason: err.Error(), Err: err}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{Path: path, Reason: err.Error(), Err: err}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &Error{Path: path, Reason: "not a regular file (" + kind(fi.Mode()) + "); kubenix reads only regular files"}
	}
	if fi.Size() > limit {
		f.Close()
		return nil, tooBig(path, limit)
	}
	return limited{io.LimitReader(f, limit), f}, nil
}

type limited struct {
	io.Reader
	io.Closer
}

// Check reports, without opening it, whether path is a file Read would
// read: a regular file (after symlinks) of at most limit bytes.
func Check(path string, limit int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &Error{Path: path, Reason: "no such file", Err: fs.ErrNotExist}
		}
		return &Error{Path: path, Reason: err.Error(), Err: err}
	}
	if !fi.Mode().IsRegular() {
		return &Error{Path: path, Reason: "not a regular file (" + kind(fi.Mode()) + "); kubenix reads only regular files"}
	}
	if fi.Size() > limit {
		return tooBig(path, limit)
	}
	return nil
}

func readLimited(path string, r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &Error{Path: path, Reason: err.Error(), Err: err}
	}
	if int64(len(b)) > limit {
		return nil, tooBig(path, limit)
	}
	return b, nil
}

func tooBig(path string, limit int64) error {
	return &Error{Path: path, Reason: fmt.Sprintf("larger than %d MiB, more than kubenix reads", limit>>20)}
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}
