// healthy_background_sleep: HEALTHY: periodic background jobs that sleep between runs (cache
// refresh, metrics flush): they sleep on purpose for the life of the process.
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func refresh(name string, every time.Duration) {
	for {
		_ = name
		time.Sleep(every)
	}
}

func main() {
	go refresh("cache", time.Minute)
	go refresh("metrics", 10*time.Second)
	go refresh("config", 5*time.Minute)
	capture.Dump("healthy_background_sleep", 200*time.Millisecond)
}
