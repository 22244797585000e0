package parallel

import (
	"sync/atomic"
	"testing"
)

func TestEachCallsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 31, 1000} {
		seen := make([]atomic.Int32, n+5)
		var indexes []int
		for i := 0; i < n; i += 2 {
			indexes = append(indexes, i)
		}
		Each(indexes, 4, func(i int) { seen[i].Add(1) })
		for i := range seen {
			want := int32(0)
			if i < n && i%2 == 0 {
				want = 1
			}
			if got := seen[i].Load(); got != want {
				t.Fatalf("n=%d: index %d called %d times, want %d", n, i, got, want)
			}
		}
	}
	out := make([]int, 100)
	All(len(out), 8, func(i int) { out[i] = i * i })
	for i, v := range out {
		if v != i*i {
			t.Fatalf("All: out[%d] = %d", i, v)
		}
	}
}
