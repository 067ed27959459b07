// timer_after_in_goroutine: a retry helper starts a goroutine per attempt that waits on time.After
// for a long backoff, with no way to cancel it when the request finishes
// (a timer that is never stopped keeps its goroutine). Fix: time.NewTimer
// with Stop, and select on ctx.Done().
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func retryLater(f func()) {
	<-time.After(time.Hour)
	f()
}

func request(i int) {
	go retryLater(func() { _ = i })
}

func main() {
	for i := range 15 {
		request(i)
	}
	capture.Dump("timer_after_in_goroutine", 200*time.Millisecond)
}
