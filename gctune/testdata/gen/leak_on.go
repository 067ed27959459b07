//go:build goexperiment.goroutineleakprofile

package main

import (
	"io"
	"runtime/pprof"
)

// leakCheck requests a goroutine leak profile, which runs a GC cycle that
// gctrace marks "(checking for goroutine leaks)".
func leakCheck() {
	ch := make(chan int)
	go func() { <-ch }() // leaks on purpose
	if p := pprof.Lookup("goroutineleak"); p != nil {
		_ = p.WriteTo(io.Discard, 0)
	}
}
