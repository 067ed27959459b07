// Command crash dies on purpose so the runtime prints its crash output on
// stderr. MODE selects how:
//
//	panic     panic(string) with the mix alive and log lines written by other
//	          goroutines just before (run with GOTRACEBACK=all)
//	nested    a panic recovered by a deferred call that panics with a new value
//	          ("[recovered]" then a second "panic:" line)
//	repanic   a recovered panic re-panicked with the same value
//	          ("[recovered, repanicked]")
//	error     panic with a custom error value (the runtime prints Error())
//	nilderef  a nil pointer dereference (SIGSEGV line), used with
//	          GOTRACEBACK=system and GOTRACEBACK=crash
//	sigquit   the process sends itself SIGQUIT; with GOTRACEBACK=crash the
//	          runtime prints "SIGQUIT: quit", PC/m/sigcode, every goroutine
//	          with gp=/m= headers and a register dump, then aborts
//	noisy     like panic, but a child process sharing stderr keeps writing
//	          log lines while the runtime prints the traceback, so they are
//	          interleaved with it (a real multi-writer crash log)
//
// MODE=logchild is the child used by noisy. With LABELS=1 some goroutines of
// the mix, and the crashing one, run under pprof labels (printed in headers
// by Go 1.27, or by Go 1.26 with GODEBUG=tracebacklabels=1). BUSY=1 adds
// a goroutine spinning on another thread: GOTRACEBACK=all prints it as
// "goroutine running on other thread; stack unavailable", and
// GOTRACEBACK=crash prints it a second time, in full, from its own thread.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gdiag/gdiag/stack/testdata/gen/mix"
)

// QueryError is a custom error type used as a panic value.
type QueryError struct {
	Query string
	Err   error
}

func (e *QueryError) Error() string { return "query " + strconv.Quote(e.Query) + ": " + e.Err.Error() }
func (e *QueryError) Unwrap() error { return e.Err }

type order struct {
	id    int
	items []string
}

//go:noinline
func (o *order) total() int { return len(o.items) + o.id }

func main() {
	log.SetFlags(log.Ldate | log.Ltime | log.Lmicroseconds | log.LUTC)
	switch mode := os.Getenv("MODE"); mode {
	case "panic", "nested", "repanic", "error", "nilderef", "noisy", "sigquit":
		labels := os.Getenv("LABELS") == "1"
		m, err := mix.Start(mix.Options{Deep: mode == "panic", Workers: 2, Labels: labels, Busy: os.Getenv("BUSY") == "1"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer runtime.KeepAlive(m.Keep())
		logNoise()
		if mode == "noisy" {
			startLogChild()
		}
		if labels {
			pprof.Do(context.Background(), pprof.Labels("request", "r-1", "step", "die now"), func(context.Context) { die(mode) })
		}
		die(mode)
	case "logchild":
		logchild()
	default:
		fmt.Fprintf(os.Stderr, "crash: unknown MODE %q\n", mode)
		os.Exit(2)
	}
}

// logNoise has other goroutines write log lines just before the crash.
func logNoise() {
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			log.Printf("worker %d: processed batch, 128 items in 3.2ms", i)
		})
	}
	wg.Wait()
	log.Printf("http: GET /api/checkout 500 (12.4ms)")
}

func startLogChild() {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "MODE=logchild")
	cmd.Stderr = os.Stderr
	ready, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Wait until the child is logging, so its lines land in the middle of
	// the traceback rather than after it.
	var b [1]byte
	if _, err := ready.Read(b[:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// logchild writes log lines as fast as it can for 200ms, telling its parent
// on stdout once it has started, then exits.
func logchild() {
	l := log.New(os.Stderr, "sidecar: ", log.Ltime|log.Lmicroseconds|log.LUTC)
	deadline := time.Now().Add(200 * time.Millisecond)
	for i := 0; time.Now().Before(deadline); i++ {
		l.Printf("health check %d ok", i)
		if i == 0 {
			os.Stdout.Write([]byte{'\n'})
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func die(mode string) {
	switch mode {
	case "panic", "noisy":
		processOrder(&order{id: 7})
	case "nested":
		func() {
			defer func() {
				r := recover()
				panic(fmt.Sprintf("cleanup failed after: %v", r))
			}()
			panic("connection reset by peer")
		}()
	case "repanic":
		func() {
			defer func() {
				r := recover()
				panic(r)
			}()
			panic("index out of sync")
		}()
	case "error":
		panic(&QueryError{Query: "SELECT * FROM orders", Err: errors.New("context deadline exceeded")})
	case "sigquit":
		syscall.Kill(os.Getpid(), syscall.SIGQUIT)
		select {} // the signal handler kills the process
	case "nilderef":
		var o *order
		fmt.Println(o.total())
	}
}

//go:noinline
func processOrder(o *order) {
	if len(o.items) == 0 {
		panic(fmt.Sprintf("order %d has no items", o.id))
	}
}
