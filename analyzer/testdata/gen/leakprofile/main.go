// Command leakprofile writes real goroutineleak profiles and the goroutine
// dumps of the same moment, for the tests of `gdiag analyze` on Go's leak
// profile. It leaks goroutines the way services do, next to goroutines
// blocked at the very same line that are still reachable, so only part of
// that bucket is leaked:
//
//	worker    6 goroutines from one go statement send their result at one
//	          line; 3 callers gave up (leaked), 3 are still waiting in a
//	          global table (blocked, not leaked)
//	checkout  2 senders leaked under pprof labels {handler: checkout}
//	consume   2 consumers range over channels nobody closes
//	waiter    1 goroutine waits for a WaitGroup never done
//	locker    1 goroutine locks a Mutex never unlocked
//
// Files, VER being go1.26 or go1.27 (the running toolchain), in -o:
//
//	leakprofile-VER-none.txt   debug=1 profile before any leak ("total 0")
//	leakprofile-VER.dump.txt   runtime.Stack(all) after the leaks, before detection
//	leakprofile-VER.pb.gz      the profile, debug=0 (gzipped proto)
//	leakprofile-VER.txt        the profile, debug=1
//	leakprofile-VER.leaked.txt runtime.Stack(all) after detection: "(leaked)" marks
//
// Every profile is taken after a runtime.GC(), which the runtime needs to
// list every leak (see benchmarks/cmd/leakseq). Run from the repository
// root:
//
//	GOTOOLCHAIN=go1.27.3 go run ./analyzer/testdata/gen/leakprofile -o analyzer/testdata
//	GOEXPERIMENT=goroutineleakprofile go run ./analyzer/testdata/gen/leakprofile -o analyzer/testdata
//
// The labels are in the profiles only: this module's go line is 1.26, so
// Go 1.27 does not print them in goroutine headers (GODEBUG=tracebacklabels=1
// would; stack/testdata has such dumps).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// waiting holds the result channels of callers still waiting: their
// workers are blocked, not leaked.
var waiting []chan int

// worker computes a result and sends it to its caller.
//
//go:noinline
func worker(out chan<- int) {
	time.Sleep(2 * time.Millisecond)
	out <- 42 // blocks until the caller receives
}

// call starts a worker; a caller that gives up drops the channel (leak),
// one that keeps waiting keeps it reachable.
//
//go:noinline
func call(giveUp bool) {
	ch := make(chan int)
	go worker(ch)
	if !giveUp {
		waiting = append(waiting, ch)
	}
}

//go:noinline
func checkout() {
	ch := make(chan error)
	go func() {
		time.Sleep(2 * time.Millisecond)
		ch <- nil // leaks: checkout returned before the payment answered
	}()
	select {
	case <-ch:
	case <-time.After(time.Millisecond):
	}
}

func consume(in <-chan string) {
	for range in {
	}
}

func main() {
	out := flag.String("o", ".", "directory to write into")
	flag.Parse()
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		fmt.Fprintf(os.Stderr, "leakprofile: no goroutineleak profile in %s (Go 1.27+; Go 1.26 with GOEXPERIMENT=goroutineleakprofile)\n", runtime.Version())
		os.Exit(1)
	}
	v := runtime.Version() // go1.27.3, or go1.26.8 X:goroutineleakprofile
	if i := strings.LastIndexByte(strings.Fields(v)[0], '.'); i > 2 {
		v = v[:i]
	}
	name := func(suffix string) string { return filepath.Join(*out, "leakprofile-"+v+suffix) }
	write := func(path string, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "leakprofile:", err)
			os.Exit(1)
		}
	}
	profile := func(debug int) []byte {
		runtime.GC()
		var b bytes.Buffer
		if err := p.WriteTo(&b, debug); err != nil {
			fmt.Fprintln(os.Stderr, "leakprofile:", err)
			os.Exit(1)
		}
		return b.Bytes()
	}
	dump := func() []byte {
		buf := make([]byte, 1<<20)
		return buf[:runtime.Stack(buf, true)]
	}

	write(name("-none.txt"), profile(1))

	for i := range 6 {
		call(i%2 == 0)
	}
	pprof.Do(context.Background(), pprof.Labels("handler", "checkout"), func(context.Context) {
		for range 2 {
			checkout()
		}
	})
	for range 2 {
		go consume(make(chan string))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { wg.Wait() }()
	mu := new(sync.Mutex)
	mu.Lock()
	go func() { mu.Lock() }()
	time.Sleep(50 * time.Millisecond) // every worker has reached its send

	write(name(".dump.txt"), dump())
	write(name(".pb.gz"), profile(0))
	write(name(".txt"), profile(1))
	write(name(".leaked.txt"), dump())
	runtime.KeepAlive(waiting)
}
