// Command gccgo is built with gccgo (not gc) to record the gccgo runtime's
// crash traceback: goroutines blocked on a channel, a mutex, a WaitGroup and
// in time.Sleep, then a panic printed under GOTRACEBACK=all. It uses nothing
// newer than the Go 1.18 that gccgo 12 implements. See ../../README.md.
package main

import (
	"sync"
	"time"
)

//go:noinline
func recvForever(ch chan int) { <-ch }

//go:noinline
func lockForever(mu *sync.Mutex) { mu.Lock() }

//go:noinline
func process(n int) {
	if n > 0 {
		panic("gccgo: process failed")
	}
}

func main() {
	ch := make(chan int)
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	wg.Add(1)
	for i := 0; i < 2; i++ {
		go recvForever(ch)
	}
	go lockForever(&mu)
	go func() { wg.Wait() }()
	go func() { time.Sleep(time.Hour) }()
	time.Sleep(100 * time.Millisecond)
	process(1)
}
