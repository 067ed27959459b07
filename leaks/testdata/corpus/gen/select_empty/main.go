// select_empty: plugins block in select {} "to keep running" after their setup,
// inside goroutines that nobody can stop. Fix: wait on a context.
package main

import (
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func startPlugin(name string) {
	_ = name
	select {}
}

func main() {
	for _, n := range []string{"auth", "metrics", "audit", "cache"} {
		go startPlugin(n)
	}
	capture.Dump("select_empty", 200*time.Millisecond)
}
