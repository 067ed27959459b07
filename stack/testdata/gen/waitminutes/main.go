// Command waitminutes writes runtime.Stack(buf, true) after the mix has been
// blocked for over a minute, so headers carry ", N minutes" (and
// ", locked to thread" together with minutes).
//
// The runtime stamps a goroutine's wait start only during a GC (markroot), so
// the program forces a GC right after the goroutines block, then waits
// WAIT (default 65s) of real time before dumping to stdout.
//
// LABELS=1 runs some goroutines under pprof labels. CRASH=1 panics instead
// of dumping, so the runtime prints the crash traceback (with the wait
// minutes, labels and, under GOTRACEBACK=system, gp=/m= fields) on stderr.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/gdiag/gdiag/stack/testdata/gen/mix"
)

func main() {
	wait := 65 * time.Second
	if s := os.Getenv("WAIT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "waitminutes:", err)
			os.Exit(2)
		}
		wait = d
	}
	m, err := mix.Start(mix.Options{Deep: false, Labels: os.Getenv("LABELS") == "1"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer m.Close()
	runtime.GC() // stamps waitsince on every blocked goroutine
	time.Sleep(wait)
	if os.Getenv("CRASH") == "1" {
		panic(fmt.Sprintf("blocked for %v", wait))
	}
	os.Stdout.Write(mix.AllStacks())
	runtime.KeepAlive(m.Keep())
}
