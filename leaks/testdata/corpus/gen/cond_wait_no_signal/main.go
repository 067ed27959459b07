// cond_wait_no_signal: consumers wait on a sync.Cond for items; the producer stops early on an
// error and never calls Signal or Broadcast (Tu et al. 2019: Cond misuse).
// Fix: Broadcast on every exit path, or use a channel that is closed.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func (q *queue) take() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	it := q.items[0]
	q.items = q.items[1:]
	return it
}

func consumer(q *queue) { q.take() }

func main() {
	for range 4 {
		q := &queue{}
		q.cond = sync.NewCond(&q.mu)
		for range 5 {
			go consumer(q)
		}
		// The producer fails before producing anything and returns.
	}
	capture.Dump("cond_wait_no_signal", 200*time.Millisecond)
}
