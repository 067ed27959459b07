// healthy_lock_contention: HEALTHY: many goroutines contend for one mutex while doing real work;
// at the moment of the dump most of them wait in Lock, but all make
// progress.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) add(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		c.mu.Lock()
		c.n++
		time.Sleep(200 * time.Microsecond)
		c.mu.Unlock()
	}
}

func main() {
	c := &counter{}
	stop := make(chan struct{})
	for range 20 {
		go c.add(stop)
	}
	capture.Dump("healthy_lock_contention", 200*time.Millisecond)
}
