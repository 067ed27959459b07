// wait_with_timeout: Wait is run in a helper goroutine so the caller can time out; the
// workers are stuck sending on a channel nobody reads, and both the workers
// and the helper stay forever (Saioc et al.: leaked waiters). Fix: give the
// workers a way out (buffered results, ctx.Done()).
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func worker(out chan<- int, wg *sync.WaitGroup, i int) {
	defer wg.Done()
	out <- i
}

func waiter(wg *sync.WaitGroup, done chan<- struct{}) {
	wg.Wait()
	close(done)
}

func gather() {
	var wg sync.WaitGroup
	out := make(chan int)
	for i := range 3 {
		wg.Add(1)
		go worker(out, &wg, i)
	}
	done := make(chan struct{})
	go waiter(&wg, done)
	select {
	case <-done:
	case <-time.After(2 * time.Millisecond):
	}
}

func main() {
	for range 5 {
		gather()
	}
	capture.Dump("wait_with_timeout", 200*time.Millisecond)
}
