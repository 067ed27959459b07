// waitgroup_add_done_mismatch: Add is called once per item but the skipped items never call Done,
// so Wait blocks forever in every batch goroutine (Tu et al. 2019: misuse of
// WaitGroup, Docker #25384). Fix: defer wg.Done() at the top of the worker.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func process(wg *sync.WaitGroup, item int) {
	if item%3 == 0 {
		return // forgot wg.Done()
	}
	wg.Done()
}

func batch(items []int, done chan<- struct{}) {
	var wg sync.WaitGroup
	wg.Add(len(items))
	for _, it := range items {
		go process(&wg, it)
	}
	wg.Wait()
	done <- struct{}{}
}

func main() {
	done := make(chan struct{}, 100)
	for range 12 {
		go batch([]int{1, 2, 3, 4}, done)
	}
	capture.Dump("waitgroup_add_done_mismatch", 200*time.Millisecond)
}
