// select_no_cancel: a subscriber loop selects on its event and error channels but has no
// ctx.Done() case, so when the publisher goes away it waits forever
// (GoBench: etcd, grpc). Fix: add case <-ctx.Done(): return.
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type subscription struct {
	events chan int
	errs   chan error
}

func listen(s *subscription) {
	for {
		select {
		case <-s.events:
		case <-s.errs:
		}
	}
}

func subscribe() *subscription {
	s := &subscription{events: make(chan int), errs: make(chan error)}
	go listen(s)
	return s
}

func main() {
	for range 15 {
		s := subscribe()
		s.events <- 1 // one event, then the publisher is gone
	}
	capture.Dump("select_no_cancel", 200*time.Millisecond)
}
