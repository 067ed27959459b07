// healthy_worker_pool: HEALTHY: a worker pool whose workers wait for jobs on purpose, each
// selecting on the jobs channel and ctx.Done(); the pool is alive and the
// context is cancelled at shutdown.
package main

import (
	"context"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func work(ctx context.Context, jobs <-chan int) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			_ = j
		}
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := make(chan int)
	for range 16 {
		go work(ctx, jobs)
	}
	for i := range 100 {
		jobs <- i
	}
	capture.Dump("healthy_worker_pool", 200*time.Millisecond)
}
