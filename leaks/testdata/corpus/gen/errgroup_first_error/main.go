// errgroup_first_error: an errgroup-style fan-out: workers send results on an unbuffered
// channel, the collector returns on the first error, and the remaining
// workers block forever on their send (GoBench; written with sync primitives
// to keep golang.org/x/sync out of the module). Fix: buffer the channel to
// the number of workers, or select on ctx.Done() when sending.
package main

import (
	"errors"
	"sync"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type group struct {
	wg sync.WaitGroup
}

func (g *group) Go(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

func fetchPart(i int, out chan<- error) {
	time.Sleep(time.Duration(i) * time.Millisecond)
	if i == 0 {
		out <- errors.New("part 0 failed")
		return
	}
	out <- nil
}

func fetchAll(n int) error {
	var g group
	out := make(chan error)
	for i := range n {
		g.Go(func() { fetchPart(i, out) })
	}
	for range n {
		if err := <-out; err != nil {
			return err // the other workers are left blocked on out
		}
	}
	g.wg.Wait()
	return nil
}

func main() {
	for range 3 {
		_ = fetchAll(8)
	}
	capture.Dump("errgroup_first_error", 200*time.Millisecond)
}
