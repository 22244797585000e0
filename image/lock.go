package image

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/kubenix/kubenix/diag"
	"github.com/kubenix/kubenix/lock"
)

// LockState is what Lock did with one reference.
type LockState string

const (
	LockAdded     LockState = "added"     // newly pinned
	LockChanged   LockState = "changed"   // the tag points at another digest now
	LockUnchanged LockState = "unchanged" // still the locked digest
	LockServed    LockState = "served"    // --check: the locked digest is still served
	LockRemoved   LockState = "removed"   // no object uses it; pruned
	LockStale     LockState = "stale"     // no object uses it; kept
)

// Locked is one entry of what Lock did.
type Locked struct {
	Ref      string
	Old, New string // digests: before, and now ("" where there is none)
	State    LockState
}

// Lock resolves the third-party images of a build (its Pin result) to
// digests and records them in lf. With check, it writes nothing and fails
// when a locked digest is no longer served; with prune, entries no image
// uses are removed.
func Lock(ctx context.Context, images []*Info, lf *lock.File, prune, check bool) ([]Locked, error) {
	if lf.Images == nil {
		lf.Images = map[string]lock.Image{}
	}
	var out []Locked
	used := map[string]bool{}
	var problems diag.List
	for _, img := range images {
		if img.Pin != PinNone && img.Pin != PinLock {
			continue
		}
		ref := img.Original
		used[ref] = true
		if check {
			if img.Pin == PinNone {
				problems = append(problems, diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: lf.Path},
					Message: fmt.Sprintf("image %s is not in kubenix.lock", ref), Hint: "run kubenix images lock"})
				continue
			}
			if err := Exists(ctx, ref, img.Digest); err != nil {
				problems = append(problems, diag.Diagnostic{Severity: diag.Error, Pos: diag.Pos{File: lf.Path},
					Message: fmt.Sprintf("kubenix.lock pins %s to %s, which its registry no longer serves: %v", ref, img.Digest, err),
					Hint:    "run kubenix images lock to pin what the tag points at now"})
				continue
			}
			out = append(out, Locked{Ref: ref, Old: img.Digest, New: img.Digest, State: LockServed})
			continue
		}
		digest, err := Resolve(ctx, ref)
		if err != nil {
			return nil, &diag.UsageError{Err: err, Hint: "check the reference and your network; log in with docker login if the registry needs it"}
		}
		l := Locked{Ref: ref, New: digest}
		switch old, ok := lf.Images[ref]; {
		case !ok:
			l.State = LockAdded
		case old.Digest != digest:
			l.Old, l.State = old.Digest, LockChanged
		default:
			l.Old, l.State = old.Digest, LockUnchanged
		}
		out = append(out, l)
		lf.Images[ref] = lock.Image{Digest: digest}
	}
	for _, ref := range slices.Sorted(maps.Keys(lf.Images)) {
		if used[ref] {
			continue
		}
		if prune && !check {
			delete(lf.Images, ref)
			out = append(out, Locked{Ref: ref, State: LockRemoved})
		} else {
			out = append(out, Locked{Ref: ref, State: LockStale})
		}
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	if !check {
		if err := lf.Write(); err != nil {
			return nil, &diag.UsageError{Err: err}
		}
	}
	return out, nil
}
