package image

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubenix/kubenix/lock"
)

// Lock entries no image of the build uses are reported as stale, and
// removed with prune; nothing is resolved for them (no network).
func TestLockStaleAndPrune(t *testing.T) {
	path := filepath.Join(t.TempDir(), lock.FileName)
	digest := "sha256:" + strings.Repeat("a", 64)
	write := func() *lock.File {
		lf := &lock.File{Version: 1, Path: path, Images: map[string]lock.Image{"old:1": {Digest: digest}}}
		if err := lf.Write(); err != nil {
			t.Fatal(err)
		}
		lf, err := lock.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		return lf
	}
	got, err := Lock(context.Background(), []*Info{{Ref: "ghcr.io/x/y@" + digest, Pin: PinDigest}}, write(), false, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Locked{{Ref: "old:1", State: LockStale}}; !slices.Equal(got, want) {
		t.Errorf("Lock = %+v, want %+v", got, want)
	}
	got, err = Lock(context.Background(), nil, write(), true, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Locked{{Ref: "old:1", State: LockRemoved}}; !slices.Equal(got, want) {
		t.Errorf("Lock --prune = %+v, want %+v", got, want)
	}
	if lf, _ := lock.Read(path); len(lf.Images) != 0 {
		t.Errorf("the pruned entry is still in the lock: %v", lf.Images)
	}
	// --check with an image the lock does not pin: an error naming it.
	_, err = Lock(context.Background(), []*Info{{Ref: "redis:7", Original: "redis:7", Pin: PinNone}}, write(), false, true)
	if err == nil || !strings.Contains(err.Error(), "image redis:7 is not in kubenix.lock") {
		t.Errorf("--check: %v", err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "old:1") {
		t.Error("--check wrote the lock")
	}
}
