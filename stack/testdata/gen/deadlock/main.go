// Command deadlock blocks every goroutine so the runtime prints
// "fatal error: all goroutines are asleep - deadlock!" and all goroutines.
//
// It imports neither net nor the shared mix: a cgo-enabled binary (net) or a
// pending timer or network wait keeps the runtime from declaring a deadlock.
package main

import (
	"fmt"
	"os"
	"sync"
)

func main() {
	fmt.Fprintln(os.Stderr, "starting 6 workers")
	deadlock()
}

// deadlock blocks every goroutine on channels, a mutex, a WaitGroup and a
// Cond (no timers or network, which would keep the runtime from declaring
// a deadlock).
func deadlock() {
	ch := make(chan int)
	var mu sync.Mutex
	mu.Lock()
	cond := sync.NewCond(&sync.Mutex{})
	for range 2 {
		go func() { <-ch }()
	}
	go func() { ch <- 1; ch <- 2; ch <- 3 }() // two receivers, third send blocks
	go func() { mu.Lock() }()
	go func() {
		cond.L.Lock()
		cond.Wait()
	}()
	go func() { select {} }()
	var wg sync.WaitGroup
	wg.Add(1)
	wg.Wait()
}
