// chan_send_no_receiver: the caller gives up after a timeout and returns,
// the worker then blocks forever sending its result on an unbuffered
// channel nobody reads (Tu et al. 2019, Kubernetes #5316 and many more).
// Fix: make(chan result, 1).
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type result struct{ n int }

func compute(ch chan<- result, i int) {
	time.Sleep(20 * time.Millisecond)
	ch <- result{i}
}

func fetch(i int) (result, bool) {
	ch := make(chan result)
	go compute(ch, i)
	select {
	case r := <-ch:
		return r, true
	case <-time.After(time.Millisecond):
		return result{}, false
	}
}

func main() {
	for i := range 25 {
		fetch(i)
	}
	capture.Dump("chan_send_no_receiver", 200*time.Millisecond)
}
