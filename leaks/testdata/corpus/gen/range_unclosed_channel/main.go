// range_unclosed_channel: consumers range over a channel that the producer never closes after
// the last item, so they wait forever once the work is done (Tu et al.
// 2019). Fix: close the channel when producing is over.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func consumer(in <-chan int, wg *sync.WaitGroup) {
	for v := range in {
		_ = v
		wg.Done()
	}
}

func run() {
	ch := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		go consumer(ch, &wg)
	}
	wg.Add(8)
	for i := range 8 {
		ch <- i
	}
	wg.Wait() // all items handled, but ch is never closed
}

func main() {
	for range 4 {
		run()
	}
	capture.Dump("range_unclosed_channel", 200*time.Millisecond)
}
