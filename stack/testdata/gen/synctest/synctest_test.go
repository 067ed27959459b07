// Package synctest_test dumps goroutines inside a testing/synctest bubble.
//
// Run with: OUT=/abs/path/synctest.txt go test -count=1 ./stack/testdata/gen/synctest
//
// Inside the bubble goroutines block durably on channels, select, a
// WaitGroup, a Cond and time.Sleep; synctest.Wait returns once all are
// durably blocked, then runtime.Stack(buf, true) is written to $OUT. Headers
// show "(durable)" and ", synctest bubble N".
package synctest_test

import (
	"os"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestDumpBubble(t *testing.T) {
	out := os.Getenv("OUT")
	if out == "" {
		t.Skip("OUT not set")
	}
	synctest.Test(t, func(t *testing.T) {
		recvCh := make(chan int) // nobody sends until release
		sendCh := make(chan int) // nobody receives until release
		sel := make(chan string)
		var wg sync.WaitGroup
		wg.Add(1)
		cond := sync.NewCond(&sync.Mutex{})
		condDone := false

		go func() { <-recvCh }()
		go func() { sendCh <- 1 }()
		go func() {
			select {
			case <-sel:
			case <-recvCh:
			}
		}()
		go func() { wg.Wait() }()
		go func() {
			cond.L.Lock()
			for !condDone {
				cond.Wait()
			}
			cond.L.Unlock()
		}()
		go func() { time.Sleep(time.Hour) }()

		synctest.Wait()
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		if err := os.WriteFile(out, buf[:n], 0o644); err != nil {
			t.Fatal(err)
		}

		// Release everything so the bubble ends cleanly.
		close(sel)
		<-sendCh
		close(recvCh)
		wg.Done()
		cond.L.Lock()
		condDone = true
		cond.Broadcast()
		cond.L.Unlock()
		time.Sleep(time.Hour)
	})
}
