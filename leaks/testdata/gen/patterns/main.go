// Command patterns starts one small instance of each common goroutine leak
// next to a healthy background (a net/http server with idle keep-alive
// client connections, an idle worker pool, os/signal, a ticker loop that
// selects on its context) and writes real dumps of it:
//
//	OUT/patterns.txt               runtime.Stack(buf, true), right after the leaks
//	OUT/patterns.goroutineleak.txt the goroutineleak profile, debug=1 (when the
//	OUT/patterns.goroutineleak.pb.gz toolchain has GOEXPERIMENT=goroutineleakprofile)
//	OUT/patterns-leaked.txt        runtime.Stack again, after the leak profile marked
//	                               the proven goroutines "(leaked)"
//
// With -wait 65s it also forces a GC (which stamps wait times), waits, and
// writes OUT/patterns-waited.txt, whose headers carry ", N minutes".
//
//	GOEXPERIMENT=goroutineleakprofile go run ./leaks/testdata/gen/patterns -out leaks/testdata -wait 65s
//
// Every leak has its own creation site and blocking line, named after the
// pattern, so golden files show exactly where each one is reported.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

// pile is how many goroutines each repeated leak leaves: above the pile-up
// threshold of 10.
const pile = 12

func main() {
	out := flag.String("out", ".", "directory to write the dumps to")
	wait := flag.Duration("wait", 0, "also write patterns-waited.txt after this long (>= 1m for wait times)")
	flag.Parse()
	if err := run(*out, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "patterns:", err)
		os.Exit(1)
	}
}

func run(out string, wait time.Duration) error {
	stopBG, err := startHealthy()
	if err != nil {
		return err
	}
	defer stopBG()
	srvURL, stopSrv, err := startServer()
	if err != nil {
		return err
	}
	defer stopSrv()

	for range pile {
		sendAfterTimeout()
		rangeNeverClosed()
		waitContextNeverCancelled()
		pollTickerNeverStopped()
	}
	receiveNilChannel()
	selectNoCases()
	for range 3 {
		selectWithoutCancel()
	}
	lockNeverUnlocked(5)
	recursiveReadLock()
	waitGroupMismatch()
	for range 2 {
		condWithoutSignal()
	}
	for range 5 {
		if err := getWithoutClose(srvURL); err != nil {
			return err
		}
	}
	time.Sleep(200 * time.Millisecond) // let every goroutine reach its block

	if err := writeStacks(filepath.Join(out, "patterns.txt")); err != nil {
		return err
	}
	if p := pprof.Lookup("goroutineleak"); p != nil {
		for _, w := range []struct {
			name  string
			debug int
		}{{"patterns.goroutineleak.txt", 1}, {"patterns.goroutineleak.pb.gz", 0}} {
			var b bytes.Buffer
			if err := p.WriteTo(&b, w.debug); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, w.name), b.Bytes(), 0o644); err != nil {
				return err
			}
		}
		if err := writeStacks(filepath.Join(out, "patterns-leaked.txt")); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(os.Stderr, "patterns: no goroutineleak profile (build with GOEXPERIMENT=goroutineleakprofile)")
	}
	if wait > 0 {
		runtime.GC() // stamps the wait start of every blocked goroutine
		time.Sleep(wait)
		if err := writeStacks(filepath.Join(out, "patterns-waited.txt")); err != nil {
			return err
		}
	}
	return nil
}

func writeStacks(path string) error {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return os.WriteFile(path, buf[:n], 0o644)
		}
		buf = make([]byte, 2*len(buf))
	}
}

// sendAfterTimeout: the caller gives up; the worker sends on an unbuffered
// channel nobody receives from.
func sendAfterTimeout() {
	ch := make(chan int)
	go func() {
		ch <- slowCompute() // blocks forever after the timeout
	}()
	select {
	case <-ch:
	case <-time.After(time.Millisecond):
	}
}

func slowCompute() int {
	time.Sleep(5 * time.Millisecond)
	return 42
}

// rangeNeverClosed: a consumer ranges over a channel its producer never
// closes.
func rangeNeverClosed() {
	ch := make(chan int)
	go func() {
		for v := range ch { // blocks forever: ch is never closed
			_ = v
		}
	}()
	ch <- 1
}

// waitContextNeverCancelled: the cancel function is dropped.
func waitContextNeverCancelled() {
	ctx, cancel := context.WithCancel(context.Background())
	_ = cancel // the bug: cancel is never called
	go func() {
		<-ctx.Done() // blocks forever
	}()
}

// pollTickerNeverStopped: a poller that never stops its ticker and never
// returns.
func pollTickerNeverStopped() {
	go func() {
		t := time.NewTicker(time.Hour)
		for range t.C { // blocks here between ticks, forever
		}
	}()
}

// receiveNilChannel: a channel field never initialised.
func receiveNilChannel() {
	var ch chan int
	go func() {
		<-ch // nil channel: blocks forever
	}()
}

// selectNoCases: select {} in a goroutine.
func selectNoCases() {
	go func() {
		select {} // blocks forever
	}()
}

// selectWithoutCancel: a select over channels nobody uses, with no
// cancellation case.
func selectWithoutCancel() {
	a, b := make(chan int), make(chan string)
	go func() {
		select { // blocks forever
		case <-a:
		case <-b:
		}
	}()
}

// lockNeverUnlocked: an early return forgets Unlock; later callers block.
func lockNeverUnlocked(waiters int) {
	var mu sync.Mutex
	func() {
		mu.Lock()
		if true {
			return // the bug: no Unlock on this path
		}
		mu.Unlock()
	}()
	for range waiters {
		go func() {
			mu.Lock() // blocks forever
			mu.Unlock()
		}()
	}
}

// recursiveReadLock: a reader takes RLock twice while a writer waits.
func recursiveReadLock() {
	var mu sync.RWMutex
	held := make(chan struct{})
	go func() {
		mu.RLock()
		close(held)
		time.Sleep(20 * time.Millisecond) // let the writer queue up
		mu.RLock()                        // blocks forever behind the writer
		mu.RUnlock()
		mu.RUnlock()
	}()
	<-held
	go func() {
		mu.Lock() // blocks forever behind the first RLock
		mu.Unlock()
	}()
}

// waitGroupMismatch: Add(3) but only two workers call Done.
func waitGroupMismatch() {
	var wg sync.WaitGroup
	wg.Add(3)
	for range 2 {
		go wg.Done()
	}
	go func() {
		wg.Wait() // blocks forever
	}()
}

// condWithoutSignal: nobody signals the condition.
func condWithoutSignal() {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	go func() {
		mu.Lock()
		c.Wait() // blocks forever
		mu.Unlock()
	}()
}

// getWithoutClose reads the status of a response and never closes its body.
func getWithoutClose(url string) error {
	resp, err := http.Get(url + "/big")
	if err != nil {
		return err
	}
	_ = resp.StatusCode // the bug: resp.Body is never closed
	return nil
}

// startServer serves /big (a body larger than the client's buffers, so an
// unread body holds its connection) and /small on a loopback port.
func startServer() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	big := bytes.Repeat([]byte("x"), 1<<20)
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// startHealthy starts what a healthy service runs: a server with idle
// keep-alive connections from a client, an idle worker pool, a signal
// handler and a ticker loop that selects on its context.
func startHealthy() (func(), error) {
	url, stopSrv, err := startServer()
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				resp, err := client.Get(url + "/small")
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()

	jobs := make(chan func())
	for range 4 {
		go worker(jobs)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	ctx, cancel := context.WithCancel(context.Background())
	go tickLoop(ctx)
	return func() {
		cancel()
		signal.Stop(sig)
		close(jobs)
		stopSrv()
	}, nil
}

func worker(jobs <-chan func()) {
	for j := range jobs { // idle pool worker
		j()
	}
}

func tickLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
