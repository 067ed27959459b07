// once_recursive: the function given to sync.Once.Do calls Do on the same Once again
// (through an accessor): the inner Do waits for the outer one, which waits
// for the inner one (a deadlock seen in gRPC and etcd). Fix: no re-entry.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type config struct {
	once sync.Once
	val  int
}

func (c *config) get() int {
	c.once.Do(c.load)
	return c.val
}

func (c *config) load() {
	c.val = 1 + c.get()/2 // re-enters Do
}

func client(c *config) { c.get() }

func main() {
	for range 7 {
		go client(&config{})
	}
	capture.Dump("once_recursive", 200*time.Millisecond)
}
