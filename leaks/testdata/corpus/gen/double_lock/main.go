// double_lock: a method that holds the mutex calls a helper that locks it again:
// sync.Mutex is not reentrant, so the goroutine deadlocks on itself (Tu et
// al. 2019: double locking, Docker and Kubernetes). Fix: an unlocked helper.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type cache struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *cache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *cache) put(k string, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size() > 100 { // locks c.mu again
		c.m = map[string]int{}
	}
	c.m[k] = v
}

func handle(c *cache) {
	c.put("k", 1)
}

func main() {
	for range 10 {
		go handle(&cache{m: map[string]int{}})
	}
	capture.Dump("double_lock", 200*time.Millisecond)
}
