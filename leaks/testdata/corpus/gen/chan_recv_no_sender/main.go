// chan_recv_no_sender: a request registers a reply channel and waits on it in a goroutine, but
// the error path returns without ever sending (Tu et al. 2019: receive with
// no partner). Fix: always send or close on every path.
package main

import (
	"errors"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type call struct {
	reply chan string
}

func wait(c *call) {
	<-c.reply
}

func do(i int) error {
	c := &call{reply: make(chan string)}
	go wait(c)
	if i%1 == 0 { // every request fails validation
		return errors.New("invalid request")
	}
	c.reply <- "ok"
	return nil
}

func main() {
	for i := range 30 {
		_ = do(i)
	}
	capture.Dump("chan_recv_no_sender", 200*time.Millisecond)
}
