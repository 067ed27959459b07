// healthy_event_bus: HEALTHY: an in-process event bus: every subscriber waits for events on
// its own channel and also selects on the bus context, which is cancelled on
// shutdown.
package main

import (
	"context"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

type bus struct {
	subs []chan string
}

func subscriber(ctx context.Context, in <-chan string) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-in:
			_ = ev
		}
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &bus{}
	for range 12 {
		ch := make(chan string, 1)
		b.subs = append(b.subs, ch)
		go subscriber(ctx, ch)
	}
	for _, s := range b.subs {
		s <- "started"
	}
	capture.Dump("healthy_event_bus", 200*time.Millisecond)
}
