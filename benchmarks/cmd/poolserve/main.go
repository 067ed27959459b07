// Command poolserve serves the flash-sale fixture on a loopback port with
// gdiag's collector mounted, for the pool-advice validation in package
// benchmarks: the test drives load from its own process, captures real
// bundles from this one over HTTP, and reads this process's runtime/metrics
// counters before and after each measured run.
//
//	go run ./cmd/poolserve -faults alloc-churn
//
// It prints "poolserve: http://127.0.0.1:PORT" on standard output once it
// listens and serves until standard input is closed (or it is interrupted),
// so a parent that dies takes it down too. Routes, besides the fixture's own
// (GET /items, POST /order, POST /admin/faults with {"use_pool":true}, …):
//
//	/debug/gdiag/    the collector (bundle, metrics)
//	/debug/counters  the runtime/metrics counters the validation reads, as JSON
//	/debug/gc        runs runtime.GC(), which publishes every allocation so far
//	                 in the heap profile (like net/http/pprof's heap?gc=1)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"syscall"
	"time"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/fixtures/flashsale"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Counters are the cumulative runtime/metrics values /debug/counters
// returns. CPU classes are the runtime's estimates, updated at every GC
// stop-the-world; compare them only with each other.
type Counters struct {
	AllocBytes   uint64  `json:"alloc_bytes"`    // /gc/heap/allocs:bytes
	AllocObjects uint64  `json:"alloc_objects"`  // /gc/heap/allocs:objects
	GCCycles     uint64  `json:"gc_cycles"`      // /gc/cycles/total:gc-cycles
	CPUTotal     float64 `json:"cpu_total_s"`    // /cpu/classes/total:cpu-seconds
	CPUIdle      float64 `json:"cpu_idle_s"`     // /cpu/classes/idle:cpu-seconds
	CPUGC        float64 `json:"cpu_gc_total_s"` // /cpu/classes/gc/total:cpu-seconds
}

var counterKeys = []string{
	"/gc/heap/allocs:bytes", "/gc/heap/allocs:objects", "/gc/cycles/total:gc-cycles",
	"/cpu/classes/total:cpu-seconds", "/cpu/classes/idle:cpu-seconds", "/cpu/classes/gc/total:cpu-seconds",
}

func readCounters() Counters {
	s := make([]metrics.Sample, len(counterKeys))
	for i, k := range counterKeys {
		s[i].Name = k
	}
	metrics.Read(s)
	return Counters{
		AllocBytes: s[0].Value.Uint64(), AllocObjects: s[1].Value.Uint64(), GCCycles: s[2].Value.Uint64(),
		CPUTotal: s[3].Value.Float64(), CPUIdle: s[4].Value.Float64(), CPUGC: s[5].Value.Float64(),
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("poolserve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	faults := fs.String("faults", "alloc-churn", "fixture faults (see flashsale.ParseFaults)")
	usePool := fs.Bool("pool", false, "start with the alloc-churn sites served by sync.Pools")
	latency := fs.Duration("latency", 100*time.Microsecond, "downstream risk and inventory latency")
	interval := fs.Duration("metrics-interval", 250*time.Millisecond, "collector metrics interval")
	sessions := fs.Int("sessions", 0, "signed-in sessions kept in memory (about 1 KiB of live heap each)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	f, err := flashsale.ParseFaults(*faults)
	if err != nil {
		fmt.Fprintln(stderr, "poolserve:", err)
		return 2
	}
	col, err := collector.New(collector.WithMetricsInterval(*interval))
	if err != nil {
		fmt.Fprintln(stderr, "poolserve:", err)
		return 1
	}
	defer col.Close()
	counters := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(readCounters())
	})
	svc, err := flashsale.New(flashsale.Config{
		Faults: f, UsePool: *usePool, Sessions: *sessions,
		// No slow risk calls, and timeouts long enough that a loaded,
		// shared machine does not turn orders into 504s.
		RiskLatency: *latency, InventoryLatency: *latency, RiskSlowEvery: 1 << 30,
		RiskTimeout: 2 * time.Second, OrderTimeout: 5 * time.Second,
		Mount: map[string]http.Handler{
			"/debug/gdiag/":   col.Handler(),
			"/debug/counters": counters,
			"/debug/gc":       http.HandlerFunc(func(http.ResponseWriter, *http.Request) { runtime.GC() }),
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "poolserve:", err)
		return 1
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "poolserve:", err)
		return 1
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 5 * time.Second}
	defer srv.Close()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "poolserve: http://%s\n", ln.Addr())

	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	case err := <-served:
		fmt.Fprintln(stderr, "poolserve:", err)
		return 1
	}
	return 0
}
