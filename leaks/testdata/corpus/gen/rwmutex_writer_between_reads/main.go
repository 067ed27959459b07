// rwmutex_writer_between_reads: a reader takes RLock, then calls a helper that takes RLock again; a
// writer that arrived in between waits for the first read lock, and the
// second RLock waits behind the writer: all three block forever (Tu et al.
// 2019: RWMutex, Docker #28462). Fix: no recursive read locking.
package main

import (
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type registry struct {
	mu    sync.RWMutex
	names []string
}

func (r *registry) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.names)
}

func (r *registry) list(writerWaiting chan struct{}) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	<-writerWaiting
	_ = r.count() // RLock again, behind the waiting writer
	return r.names
}

func (r *registry) add(n string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, n)
}

func reader(r *registry, w chan struct{}) { r.list(w) }

func writer(r *registry, started chan struct{}) {
	close(started)
	r.add("x")
}

func instance() {
	r := &registry{}
	w := make(chan struct{})
	go reader(r, w)
	time.Sleep(5 * time.Millisecond)
	go writer(r, w)
}

func main() {
	for range 8 {
		instance()
	}
	capture.Dump("rwmutex_writer_between_reads", 200*time.Millisecond)
}
