package benchmarks

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/gdiag/gdiag/collector"
)

// BenchmarkLeakDetection measures what Go's goroutineleak profile costs the
// process at 1k, 10k and 100k goroutines, against a plain runtime.GC() of
// the same heap measured in the same run. Leak detection is a GC cycle that
// marks from the roots, then from every goroutine found reachable, round
// after round, so its cost depends on how the goroutines reach each other:
//
//   - parked: goroutines parked on one channel held by a global, 20 frames
//     deep (a service's handlers waiting on a shared queue): one round.
//   - leaked: each goroutine blocked on its own unreachable channel: all of
//     them are listed in the profile.
//   - chain: goroutine i waits on channel i and holds channel i+1, only
//     channel 0 is global: each round finds one more goroutine, the
//     detection's worst case (quadratic: run at 1k and 2k only; 10k took
//     minutes per detection).
//
// Variants: gc (runtime.GC, the baseline), profile (one goroutineleak
// request), collector (a collector capture of the goroutineleak part, which
// runs runtime.GC first so the answer is complete, under the collector's
// default leak budget). Metrics: wall-ms and cpu-ms per operation (process
// CPU, all threads), gc-stw-µs (longest GC stop-the-world pause, to the
// runtime histogram's resolution), ×gc (wall time over the baseline's) and,
// for the collector, taken (1 when the budget let the profile be taken).
//
//	go test -run '^$' -bench LeakDetection -benchtime 3x              # Go 1.27+
//	GOTOOLCHAIN=go1.27.3 go test -run '^$' -bench LeakDetection -benchtime 3x
func BenchmarkLeakDetection(b *testing.B) {
	if pprof.Lookup("goroutineleak") == nil {
		b.Skipf("%s has no goroutineleak profile (Go 1.26 needs GOEXPERIMENT=goroutineleakprofile)", runtime.Version())
	}
	// Leaked goroutines stay until the process exits: that shape runs last.
	for _, shape := range []string{"parked", "chain", "leaked"} {
		sizes := []int{1_000, 10_000, 100_000}
		if shape == "chain" {
			sizes = []int{1_000, 2_000}
		}
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/goroutines=%dk", shape, n/1000), func(b *testing.B) {
				stop := startShape(shape, n)
				defer stop()
				var base float64
				b.Run("gc", func(b *testing.B) {
					base = measureGC(b, 0, func() bool { runtime.GC(); return true })
				})
				b.Run("profile", func(b *testing.B) {
					measureGC(b, base, func() bool {
						if err := pprof.Lookup("goroutineleak").WriteTo(io.Discard, 0); err != nil {
							b.Fatal(err)
						}
						return true
					})
				})
				b.Run("collector", func(b *testing.B) {
					c, err := collector.New()
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
					req := collector.CaptureRequest{Include: []collector.Part{collector.PartGoroutineLeak}}
					measureGC(b, base, func() bool {
						m, err := c.Capture(context.Background(), io.Discard, req)
						if err != nil {
							b.Fatal(err)
						}
						for _, e := range m.Entries {
							if e.Name == "goroutineleak.pb.gz" {
								return e.Error == ""
							}
						}
						return false
					})
				})
			})
		}
	}
}

// leakHold keeps the parked and chain shapes' first channel reachable.
var leakHold []chan struct{}

// startShape starts n goroutines in the given shape and returns a function
// that ends those it can (leaked goroutines stay until the process exits).
func startShape(shape string, n int) (stop func()) {
	before := runtime.NumGoroutine()
	switch shape {
	case "parked":
		ch := make(chan struct{})
		leakHold = append(leakHold, ch)
		for range n {
			go parkDeep(18, ch)
		}
		waitGoroutines(before + n)
		return func() { close(ch); leakHold = nil; runtime.GC() }
	case "leaked":
		for range n {
			go func() { <-make(chan struct{}) }()
		}
		waitGoroutines(before + n)
		return func() {}
	case "chain":
		first := make(chan struct{})
		leakHold = append(leakHold, first)
		in := first
		for range n {
			next := make(chan struct{})
			go link(in, next)
			in = next
		}
		last := in
		waitGoroutines(before + n)
		return func() { close(first); <-last; leakHold = nil; runtime.GC() }
	}
	panic("unknown shape " + shape)
}

// link waits on in, then passes the signal on to next.
//
//go:noinline
func link(in <-chan struct{}, next chan struct{}) {
	<-in
	close(next)
}

// readGCSTW reads the histogram of the GC's stop-the-world pauses into a
// fresh sample (metrics.Read reuses a sample's histogram).
func readGCSTW() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/pauses/total/gc:seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64Histogram()
}

// measureGC runs op in b.Loop and reports wall and CPU time per operation,
// the longest GC pause and, when base > 0, the wall time over base. It
// returns the median wall time in milliseconds.
func measureGC(b *testing.B, base float64, op func() (taken bool)) float64 {
	debug.FreeOSMemory()
	var walls, cpus, pauses []float64
	taken := 0
	for b.Loop() {
		h0 := readGCSTW()
		c0 := processCPU(b)
		t0 := time.Now()
		if op() {
			taken++
		}
		walls = append(walls, float64(time.Since(t0))/1e6)
		cpus = append(cpus, float64(processCPU(b)-c0)/1e6)
		pauses = append(pauses, float64(longestNewPause(h0, readGCSTW()))/1e3)
	}
	wall := medianOf(walls)
	b.ReportMetric(wall, "wall-ms")
	b.ReportMetric(medianOf(cpus), "cpu-ms")
	b.ReportMetric(medianOf(pauses), "gc-stw-µs")
	if base > 0 {
		b.ReportMetric(wall/base, "×gc")
		b.ReportMetric(float64(taken)/float64(len(walls)), "taken")
	}
	return wall
}
