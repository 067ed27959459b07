// healthy_busy_workers: HEALTHY: main waits in WaitGroup.Wait for workers that are busy
// computing: they are running or runnable, not blocked.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

var sink int

func crunch(stop <-chan struct{}, wg *sync.WaitGroup, out *int) {
	defer wg.Done()
	x := 0
	for {
		select {
		case <-stop:
			*out = x
			return
		default:
		}
		for i := range 10000 {
			x += i
		}
	}
}

func main() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	outs := make([]int, 4)
	for i := range 4 {
		wg.Add(1)
		go crunch(stop, &wg, &outs[i])
	}
	go func() {
		capture.Dump("healthy_busy_workers", 200*time.Millisecond)
	}()
	wg.Wait()
	sink = outs[0]
}
