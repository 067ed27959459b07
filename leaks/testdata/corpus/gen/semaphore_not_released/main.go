// semaphore_not_released: a channel used as a semaphore: the error path returns without
// releasing its slot, so after a few errors every new request blocks on
// acquiring (GoBench: a leaked token). Fix: defer the release right after
// the acquire.
package main

import (
	"errors"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type limiter struct{ slots chan struct{} }

func (l *limiter) do(fail bool) error {
	l.slots <- struct{}{}
	if fail {
		return errors.New("backend error") // slot never released
	}
	<-l.slots
	return nil
}

func handle(l *limiter, fail bool) { _ = l.do(fail) }

func main() {
	l := &limiter{slots: make(chan struct{}, 3)}
	for range 3 {
		handle(l, true)
	}
	for range 15 {
		go handle(l, false)
	}
	capture.Dump("semaphore_not_released", 200*time.Millisecond)
}
