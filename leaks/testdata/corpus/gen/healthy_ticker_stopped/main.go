// healthy_ticker_stopped: HEALTHY: background jobs driven by tickers that are stopped on
// shutdown: each loop selects on its ticker and a done channel.
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type job struct {
	done chan struct{}
}

func (j *job) loop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-j.done:
			return
		case <-t.C:
		}
	}
}

func main() {
	var jobs []*job
	for _, d := range []time.Duration{time.Minute, 5 * time.Minute, time.Hour} {
		j := &job{done: make(chan struct{})}
		jobs = append(jobs, j)
		go j.loop(d)
	}
	defer func() {
		for _, j := range jobs {
			close(j.done)
		}
	}()
	capture.Dump("healthy_ticker_stopped", 200*time.Millisecond)
}
