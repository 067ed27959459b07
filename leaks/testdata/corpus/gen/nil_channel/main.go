// nil_channel: a worker receives from a channel field that was never initialised
// (make was forgotten on one constructor path): a nil channel blocks
// forever. Fix: initialise the channel.
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type worker struct {
	jobs chan int
}

func newWorker(buffered bool) *worker {
	if buffered {
		return &worker{jobs: make(chan int, 1)}
	}
	return &worker{} // forgot make
}

func (w *worker) run() {
	for j := range w.jobs {
		_ = j
	}
}

func main() {
	for range 6 {
		w := newWorker(false)
		go w.run()
	}
	capture.Dump("nil_channel", 200*time.Millisecond)
}
