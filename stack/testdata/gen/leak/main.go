// Command leak starts goroutines that leak (blocked on channels, a mutex, a
// WaitGroup and a Cond that nothing else can reach any more) next to ones
// that are blocked but still reachable, then writes Go 1.26's goroutineleak
// profile, which runs a leak-detecting GC first. Build it with
// GOEXPERIMENT=goroutineleakprofile. DEBUG selects the encoding:
//
//	DEBUG=2  every goroutine as text, leaked ones with "(leaked)" states
//	DEBUG=1  the aggregated text of the leaked goroutines
//	         ("goroutineleak profile: total N")
//	DEBUG=0  the gzipped pprof proto of the leaked goroutines
//
// With PROFILE=goroutine it writes the ordinary goroutine profile instead
// (after the leak-detecting GC), so leaked goroutines show in it too.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

// fetch leaks: it returns on timeout and nobody ever receives from ch.
//
//go:noinline
func fetch(timeout time.Duration) {
	ch := make(chan int)
	go func() {
		ch <- slowQuery() // leaks: unbuffered send, receiver gone
	}()
	select {
	case v := <-ch:
		_ = v
	case <-time.After(timeout):
	}
}

//go:noinline
func slowQuery() int {
	time.Sleep(10 * time.Millisecond)
	return 1
}

// consume leaks: it ranges over a channel that nobody closes.
func consume(in <-chan string) {
	for s := range in {
		_ = s
	}
}

type cache struct {
	mu sync.Mutex
}

// leakMutex leaves a goroutine waiting on a mutex that is never unlocked and
// that nothing else references.
func leakMutex() {
	c := &cache{}
	c.mu.Lock()
	go func() {
		c.mu.Lock()
	}()
}

// leakWaitGroup leaves a goroutine waiting for a WaitGroup that is never done.
func leakWaitGroup() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { wg.Wait() }()
}

// leakCond leaves a goroutine waiting on a Cond nobody signals.
func leakCond() {
	c := sync.NewCond(&sync.Mutex{})
	go func() {
		c.L.Lock()
		c.Wait()
		c.L.Unlock()
	}()
}

var keep []chan int // reachable: its waiters are blocked, not leaked

func main() {
	debug := 2
	if s := os.Getenv("DEBUG"); s != "" {
		d, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "leak:", err)
			os.Exit(2)
		}
		debug = d
	}
	profile := "goroutineleak"
	if s := os.Getenv("PROFILE"); s != "" {
		profile = s
	}
	p := pprof.Lookup(profile)
	if p == nil {
		fmt.Fprintf(os.Stderr, "leak: no %s profile (build with GOEXPERIMENT=goroutineleakprofile)\n", profile)
		os.Exit(1)
	}
	for range 3 {
		fetch(time.Millisecond)
	}
	for range 2 {
		in := make(chan string)
		go consume(in)
	}
	pprof.Do(context.Background(), pprof.Labels("handler", "/search"), func(context.Context) {
		fetch(time.Millisecond)
	})
	leakMutex()
	leakWaitGroup()
	leakCond()
	for range 2 { // blocked but reachable through keep: not leaked
		ch := make(chan int)
		keep = append(keep, ch)
		go func() { <-ch }()
	}
	time.Sleep(100 * time.Millisecond) // every slowQuery has returned
	if err := p.WriteTo(os.Stdout, debug); err != nil {
		fmt.Fprintln(os.Stderr, "leak:", err)
		os.Exit(1)
	}
	runtime.KeepAlive(keep)
}
