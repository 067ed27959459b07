// Command gendump starts N real goroutines in a realistic mix (see package
// shop), writes the runtime's own goroutine dump, runtime.Stack(buf, true),
// which is also what net/http/pprof's goroutine?debug=2 prints, to a file and
// exits.
//
//	go run ./cmd/gendump -n 100000 -o testdata/generated/100k.txt
//
// It needs roughly 8 KB of memory per goroutine plus the dump (about 2.5 KB
// per goroutine): about 11 GB for -n 1000000.
//
// Note that pprof's debug=2 handler gives up at 64 MB (about 25k goroutines)
// and writes a truncated dump; gendump sizes its buffer itself instead.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gdiag/gdiag/benchmarks/internal/shop"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gendump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000, "number of workload goroutines to start")
	out := fs.String("o", "", "output file (required)")
	conns := fs.Int("conns", 64, "loopback TCP connection pairs the readers share")
	polls := fs.Int("http", 64, "loopback HTTP long polls (each adds 4 goroutines)")
	running := fs.Int("running", 2, "goroutines spinning in running loops")
	seed := fs.Uint64("seed", 1, "seed for depths and sites")
	age := fs.Duration("age", 0, "wait this long before the dump (over 1m the runtime prints \", N minutes\")")
	labels := fs.Bool("tracebacklabels", false, "print pprof labels in the dump (GODEBUG=tracebacklabels=1, Go 1.26)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || *n < 1 {
		fmt.Fprintln(stderr, "gendump: -o is required and -n must be ≥ 1")
		return 2
	}
	if *labels {
		// The runtime re-reads GODEBUG when it changes.
		if err := os.Setenv("GODEBUG", joinGodebug(os.Getenv("GODEBUG"), "tracebacklabels=1")); err != nil {
			fmt.Fprintf(stderr, "gendump: %v\n", err)
			return 1
		}
	}
	start := time.Now()
	s, err := shop.Start(shop.Config{Goroutines: *n, Conns: *conns, HTTPPolls: *polls, Running: *running, Seed: *seed})
	if err != nil {
		if s == nil {
			fmt.Fprintf(stderr, "gendump: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "gendump: warning: %v\n", err)
	}
	started := time.Since(start)
	if *age > 0 {
		time.Sleep(*age)
		runtime.GC() // the runtime stamps wait times at GC
	}

	dumpStart := time.Now()
	buf := make([]byte, 64<<10+runtime.NumGoroutine()*4096)
	var k int
	for {
		k = runtime.Stack(buf, true)
		if k < len(buf) {
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	buf = buf[:k]
	dumped := time.Since(dumpStart)
	s.Stop()

	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fmt.Fprintf(stderr, "gendump: %v\n", err)
		return 1
	}
	if err := os.WriteFile(*out, buf, 0o644); err != nil {
		fmt.Fprintf(stderr, "gendump: %v\n", err)
		return 1
	}
	total := bytes.Count(buf, []byte("\ngoroutine ")) + 1
	fmt.Fprintf(stderr, "gendump: %s: %d goroutines (%d started), %.1f MB, %.0f bytes/goroutine; start %v, dump %v\n",
		*out, total, *n, float64(len(buf))/1e6, float64(len(buf))/float64(total),
		started.Round(time.Millisecond), dumped.Round(time.Millisecond))
	return 0
}

func joinGodebug(old, add string) string {
	if old == "" {
		return add
	}
	return old + "," + add
}
