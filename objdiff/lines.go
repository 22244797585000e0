package objdiff

import (
	"fmt"
	"strings"
)

// op is one line of an edit script.
type op struct {
	kind byte // ' ' kept, '-' only in the old text, '+' only in the new
	line string
}

// splitLines splits text into lines without their newlines. The texts
// compared here are canonical YAML, which always ends in a newline.
func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// lineDiff returns an edit script turning a into b: the shortest (Myers'
// O(ND) algorithm in linear space: the middle snake, then both halves)
// unless that would take too long (see maxWork).
func lineDiff(a, b []string) []op {
	ids := map[string]int{}
	intern := func(l []string) []int {
		out := make([]int, len(l))
		for i, s := range l {
			id, ok := ids[s]
			if !ok {
				id = len(ids)
				ids[s] = id
			}
			out[i] = id
		}
		return out
	}
	ia, ib := intern(a), intern(b)
	// Lines found on one side only are always deleted or inserted; leaving
	// them out of the search keeps it fast when most lines changed.
	inA, inB := map[int]bool{}, map[int]bool{}
	for _, x := range ia {
		inA[x] = true
	}
	for _, x := range ib {
		inB[x] = true
	}
	delA, insB := make([]bool, len(a)), make([]bool, len(b))
	var fa, fb, mapA, mapB []int
	for i, x := range ia {
		if inB[x] {
			fa, mapA = append(fa, x), append(mapA, i)
		} else {
			delA[i] = true
		}
	}
	for j, x := range ib {
		if inA[x] {
			fb, mapB = append(fb, x), append(mapB, j)
		} else {
			insB[j] = true
		}
	}
	d := &differ{a: fa, b: fb, delA: make([]bool, len(fa)), insB: make([]bool, len(fb))}
	d.compare(0, len(fa), 0, len(fb))
	for i, del := range d.delA {
		delA[mapA[i]] = del
	}
	for j, ins := range d.insB {
		insB[mapB[j]] = ins
	}

	ops := make([]op, 0, max(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && delA[i]:
			ops = append(ops, op{'-', a[i]})
			i++
		case j < len(b) && insB[j]:
			ops = append(ops, op{'+', b[j]})
			j++
		default:
			ops = append(ops, op{' ', a[i]})
			i++
			j++
		}
	}
	return ops
}

// differ marks the lines of a that are deleted and the lines of b that are
// inserted; every other line is kept, in order.
type differ struct {
	a, b       []int
	delA, insB []bool
	v1, v2     []int // scratch for bisect
}

func (d *differ) compare(aLo, aHi, bLo, bHi int) {
	for aLo < aHi && bLo < bHi && d.a[aLo] == d.b[bLo] {
		aLo++
		bLo++
	}
	for aLo < aHi && bLo < bHi && d.a[aHi-1] == d.b[bHi-1] {
		aHi--
		bHi--
	}
	switch {
	case aLo == aHi:
		for j := bLo; j < bHi; j++ {
			d.insB[j] = true
		}
		return
	case bLo == bHi:
		for i := aLo; i < aHi; i++ {
			d.delA[i] = true
		}
		return
	}
	x, y, ok := d.bisect(aLo, aHi, bLo, bHi)
	if !ok || (x == aLo && y == bLo) || (x == aHi && y == bHi) {
		// No common line at all (or no split that makes progress).
		for i := aLo; i < aHi; i++ {
			d.delA[i] = true
		}
		for j := bLo; j < bHi; j++ {
			d.insB[j] = true
		}
		return
	}
	d.compare(aLo, x, bLo, y)
	d.compare(x, aHi, y, bHi)
}

// maxWork bounds the search of bisect: a range that needs more work (a
// rewrite of thousands of lines shuffled among each other) is shown as
// replaced whole. The diff stays correct, if not the shortest.
const maxWork = 50_000_000

// bisect finds a point (x, y) on a shortest edit path through
// a[aLo:aHi] x b[bLo:bHi] where the forward and the reverse searches meet.
func (d *differ) bisect(aLo, aHi, bLo, bHi int) (int, int, bool) {
	a, b := d.a[aLo:aHi], d.b[bLo:bHi]
	n, m := len(a), len(b)
	maxD := (n + m + 1) / 2
	off := maxD
	size := 2 * maxD
	if cap(d.v1) < size+2 {
		d.v1 = make([]int, size+2)
		d.v2 = make([]int, size+2)
	}
	v1, v2 := d.v1[:size+2], d.v2[:size+2]
	for i := range v1 {
		v1[i], v2[i] = -1, -1
	}
	v1[off+1], v2[off+1] = 0, 0
	delta := n - m
	front := delta%2 != 0
	k1start, k1end, k2start, k2end := 0, 0, 0, 0
	for step := 0; step < maxD; step++ {
		if step*(n+m) > maxWork {
			return 0, 0, false
		}
		for k1 := -step + k1start; k1 <= step-k1end; k1 += 2 {
			k1off := off + k1
			var x1 int
			if k1 == -step || k1 != step && v1[k1off-1] < v1[k1off+1] {
				x1 = v1[k1off+1]
			} else {
				x1 = v1[k1off-1] + 1
			}
			y1 := x1 - k1
			for x1 < n && y1 < m && a[x1] == b[y1] {
				x1++
				y1++
			}
			v1[k1off] = x1
			switch {
			case x1 > n:
				k1end += 2
			case y1 > m:
				k1start += 2
			case front:
				k2off := off + delta - k1
				if k2off >= 0 && k2off < size && v2[k2off] != -1 {
					if x2 := n - v2[k2off]; x1 >= x2 {
						return aLo + x1, bLo + y1, true
					}
				}
			}
		}
		for k2 := -step + k2start; k2 <= step-k2end; k2 += 2 {
			k2off := off + k2
			var x2 int
			if k2 == -step || k2 != step && v2[k2off-1] < v2[k2off+1] {
				x2 = v2[k2off+1]
			} else {
				x2 = v2[k2off-1] + 1
			}
			y2 := x2 - k2
			for x2 < n && y2 < m && a[n-x2-1] == b[m-y2-1] {
				x2++
				y2++
			}
			v2[k2off] = x2
			switch {
			case x2 > n:
				k2end += 2
			case y2 > m:
				k2start += 2
			case !front:
				k1off := off + delta - k2
				if k1off >= 0 && k1off < size && v1[k1off] != -1 {
					x1 := v1[k1off]
					y1 := off + x1 - k1off
					if x1 >= n-x2 {
						return aLo + x1, bLo + y1, true
					}
				}
			}
		}
	}
	return 0, 0, false
}

// unified renders an edit script as unified diff hunks with context lines
// of context around each change, after the --- and +++ header lines.
func unified(ops []op, oldName, newName string, context int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", oldName, newName)
	// Line numbers (0-based) of each op in both texts.
	type pos struct{ a, b int }
	at := make([]pos, len(ops)+1)
	for i, o := range ops {
		at[i+1] = at[i]
		if o.kind != '+' {
			at[i+1].a++
		}
		if o.kind != '-' {
			at[i+1].b++
		}
	}
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-context)
		end := i
		// Extend the hunk while the next change is within 2*context kept lines.
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			k := end
			for k < len(ops) && ops[k].kind == ' ' {
				k++
			}
			if k == len(ops) || k-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = k
		}
		aStart, bStart := at[start].a, at[start].b
		aLen, bLen := at[end].a-aStart, at[end].b-bStart
		fmt.Fprintf(&b, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, o := range ops[start:end] {
			b.WriteByte(o.kind)
			b.WriteString(o.line)
			b.WriteByte('\n')
		}
		i = end
	}
	return b.String()
}

// hunkRange is a hunk's start,length in diff's notation: 1-based, and an
// empty range names the line before it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
