// Package parallel runs independent steps over the items of a list on all
// cores, each result written to its own index, so the outcome does not
// depend on scheduling.
package parallel

import (
	"runtime"
	"sync"
)

// Each calls f(i) for every i of indexes on up to GOMAXPROCS goroutines,
// at least perWorker items each (starting a goroutine costs more than a
// small item), and returns when all calls have.
func Each(indexes []int, perWorker int, f func(i int)) {
	next := make(chan int, len(indexes))
	for _, i := range indexes {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(indexes)/perWorker)) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	wg.Wait()
}

// All is Each over 0..n-1.
func All(n, perWorker int, f func(i int)) {
	indexes := make([]int, n)
	for i := range indexes {
		indexes[i] = i
	}
	Each(indexes, perWorker, f)
}
