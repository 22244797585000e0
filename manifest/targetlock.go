package manifest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// lockTarget serializes the builds that write target (an --out-dir or an
// out-link), across processes, until unlock is called: while it is held,
// no other build writes target or its temporaries, so temporaries found
// then are the leftovers of a killed build.
//
// The lock is an exclusive flock on target's parent directory, which
// leaves nothing behind in a repository that commits the result (builds
// into sibling targets wait for each other's write step, a short one).
// Where a directory cannot be locked (NFS locks need a file open for
// writing), a lock file next to target is used; it stays, as removing it
// would let two builds lock two different files.
func lockTarget(ctx context.Context, target string) (unlock func(), err error) {
	f, err := os.Open(filepath.Dir(target))
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", target, err)
	}
	unlock, err = flock(ctx, f)
	if err == nil || ctx.Err() != nil {
		return unlock, err
	}
	p := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".kubenix-lock")
	if f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644); err != nil {
		return nil, fmt.Errorf("lock %s: %w", target, err)
	}
	if unlock, err = flock(ctx, f); err != nil && ctx.Err() == nil {
		err = fmt.Errorf("lock %s: %w", p, err)
	}
	return unlock, err
}

// flock locks f exclusively, waiting until ctx ends; it closes f on failure.
func flock(ctx context.Context, f *os.File) (unlock func(), err error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
