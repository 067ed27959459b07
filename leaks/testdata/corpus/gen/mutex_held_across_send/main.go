// mutex_held_across_send: a goroutine holds a mutex while it sends on a channel nobody reads;
// every other goroutine that needs the mutex blocks behind it (Tu et al.
// 2019: mixing channel and lock, Kubernetes #10182). Fix: release the lock
// before the channel operation.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type hub struct {
	mu      sync.Mutex
	updates chan int
	n       int
}

func (h *hub) publish(v int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n = v
	h.updates <- v // blocks with the lock held
}

func (h *hub) get() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

func publisher(h *hub) { h.publish(1) }
func reader(h *hub)    { h.get() }

func main() {
	for range 2 {
		h := &hub{updates: make(chan int)}
		go publisher(h)
		time.Sleep(5 * time.Millisecond)
		for range 10 {
			go reader(h)
		}
	}
	capture.Dump("mutex_held_across_send", 200*time.Millisecond)
}
