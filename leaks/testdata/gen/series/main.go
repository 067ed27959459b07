// Command series writes a time series of real goroutine dumps of one process
// in which one bucket leaks steadily while others churn with load:
//
//	OUT/series-N.txt    runtime.Stack(buf, true), N = 1..COUNT, loose (no times)
//	OUT/series-N.gdiag  the same dump in a gdiag bundle whose manifest records
//	                    when it was taken (and the goroutineleak profile of that
//	                    moment when built with GOEXPERIMENT=goroutineleakprofile)
//
// Between dumps it leaks LEAK goroutines (senders whose receiver timed out),
// runs a burst of short-lived handler goroutines that come and go, keeps an
// idle worker pool and lets a second pool fill up once and stay flat.
//
//	go run ./leaks/testdata/gen/series -out leaks/testdata -n 3 -every 1s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

func main() {
	out := flag.String("out", ".", "directory to write the dumps to")
	n := flag.Int("n", 3, "number of snapshots")
	every := flag.Duration("every", time.Second, "time between snapshots")
	leak := flag.Int("leak", 40, "goroutines leaked between snapshots")
	flag.Parse()
	if err := run(*out, *n, *every, *leak); err != nil {
		fmt.Fprintln(os.Stderr, "series:", err)
		os.Exit(1)
	}
}

func run(out string, n int, every time.Duration, leak int) error {
	stop := make(chan struct{})
	defer close(stop)
	jobs := make(chan int)
	for range 4 {
		go idleWorker(jobs)
	}
	var busy sync.WaitGroup
	for i := 1; i <= n; i++ {
		for range leak {
			fetchWithTimeout()
		}
		if i == 1 {
			// A pool that fills once and stays: not a leak.
			for range 30 {
				go poolMember(stop)
			}
		}
		// Handlers in flight at the moment of the dump; they finish later.
		release := make(chan struct{})
		for range 5 * i {
			busy.Add(1)
			go handle(release, &busy)
		}
		time.Sleep(50 * time.Millisecond)
		if err := snapshot(out, i); err != nil {
			return err
		}
		close(release)
		busy.Wait()
		if i < n {
			time.Sleep(every)
		}
	}
	return nil
}

// fetchWithTimeout leaks its sender when the reply is late.
func fetchWithTimeout() {
	reply := make(chan []byte)
	go func() {
		reply <- bytes.Repeat([]byte("x"), 64) // blocks forever after the timeout
	}()
	select {
	case <-reply:
	default: // the caller does not wait
	}
}

func idleWorker(jobs <-chan int) {
	for range jobs {
	}
}

func poolMember(stop <-chan struct{}) {
	<-stop
}

func handle(release <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-release
}

func snapshot(out string, i int) error {
	now := time.Now().UTC()
	stacks := allStacks()
	if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("series-%d.txt", i)), stacks, 0o644); err != nil {
		return err
	}
	var b bytes.Buffer
	w := bundle.NewWriter(&b)
	if err := w.Add("goroutines.txt", bundle.KindGoroutineText, stacks); err != nil {
		return err
	}
	if p := pprof.Lookup("goroutineleak"); p != nil {
		var lb bytes.Buffer
		if err := p.WriteTo(&lb, 0); err != nil {
			return err
		}
		if err := w.Add("goroutineleak.pb.gz", bundle.KindGoroutineLeak, lb.Bytes()); err != nil {
			return err
		}
	}
	m := bundle.Manifest{Schema: bundle.SchemaVersion, CapturedAt: now, GoVersion: runtime.Version(), GOOS: runtime.GOOS,
		GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU(), Goroutines: runtime.NumGoroutine()}
	if err := w.Finish(m); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, fmt.Sprintf("series-%d.gdiag", i)), b.Bytes(), 0o644)
}

func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
