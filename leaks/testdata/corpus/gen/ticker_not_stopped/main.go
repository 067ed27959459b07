// ticker_not_stopped: every connection starts a heartbeat goroutine that loops on a ticker;
// closing the connection neither stops the ticker nor tells the goroutine,
// so it lives forever (GoBench: etcd, cockroach). Fix: defer t.Stop() and a
// done channel in the select.
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type conn struct{ id int }

func heartbeat(c *conn) {
	t := time.NewTicker(time.Hour)
	for {
		select {
		case <-t.C:
			_ = c.id
		}
	}
}

func open(id int) *conn {
	c := &conn{id: id}
	go heartbeat(c)
	return c
}

func main() {
	for i := range 20 {
		_ = open(i) // then closed and dropped
	}
	capture.Dump("ticker_not_stopped", 200*time.Millisecond)
}
