package benchmarks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/fixtures/flashsale"
)

// overheadWindow is the length of each measured load run. Short windows,
// many rounds: drifts of a shared machine then hit all variants alike.
const overheadWindow = time.Second

// overheadVariant is one way of running the flash-sale service.
type overheadVariant struct {
	name string
	// opts start a collector with these options; nil runs without one.
	opts []collector.Option
	// capture runs a bundle capture over the whole load window.
	capture bool
}

// overheadServer is the flash-sale service on loopback with a slot at
// /debug/gdiag/ that serves whichever collector is current, so every variant
// runs against the same service instance.
type overheadServer struct {
	svc  *flashsale.Service
	base string
	cur  atomic.Pointer[collector.Collector]
	srv  *http.Server
	done chan error
}

func startOverheadServer(tb testing.TB) *overheadServer {
	tb.Helper()
	s := &overheadServer{done: make(chan error, 1)}
	slot := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := s.cur.Load(); c != nil {
			c.Handler().ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
	svc, err := flashsale.New(flashsale.Config{Mount: map[string]http.Handler{"/debug/gdiag/": slot}})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.svc, s.base = svc, "http://"+ln.Addr().String()
	s.srv = &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	tb.Cleanup(func() {
		_ = s.srv.Close()
		<-s.done
		_ = svc.Close()
	})
	return s
}

// overheadRun is one measured load run.
type overheadRun struct {
	tput     float64 // requests per second
	p50, p99 time.Duration
	// cpuPerReq is the process's CPU time (user+system, load generator
	// included) per request: less sensitive than throughput to other
	// processes taking the cores.
	cpuPerReq time.Duration
}

// processCPU is the CPU time this process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run measures one load window under variant v.
func (s *overheadServer) run(tb testing.TB, v overheadVariant) overheadRun {
	tb.Helper()
	if v.opts != nil {
		c, err := collector.New(v.opts...)
		if err != nil {
			tb.Fatal(err)
		}
		s.cur.Store(c)
		defer func() {
			s.cur.Store(nil)
			_ = c.Close()
		}()
	}
	var wg sync.WaitGroup
	if v.capture {
		wg.Go(func() {
			secs := overheadWindow.Seconds()
			resp, err := http.Get(fmt.Sprintf("%s/debug/gdiag/bundle?seconds=%g", s.base, secs))
			if err != nil {
				tb.Error(err)
				return
			}
			defer resp.Body.Close()
			n, err := io.Copy(io.Discard, resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || n == 0 {
				tb.Errorf("capture: status %d, %d bytes, %v", resp.StatusCode, n, err)
			}
		})
	}
	cpu0 := processCPU(tb)
	res, err := flashsale.Load(context.Background(), s.base, flashsale.Shape{
		Steady: overheadWindow, Concurrency: 8, MaxRequests: math.MaxInt32})
	cpu := processCPU(tb) - cpu0
	wg.Wait()
	if err != nil {
		tb.Fatal(err)
	}
	// The healthy service still answers some orders 403/504 (risk refusals
	// and slow risk calls, by design); the client must not fail.
	if failed := res.Errors["transport"] + res.Errors["timeout"]; failed > res.Requests/100 {
		tb.Fatalf("%s: %d client failures in %d requests: %v", v.name, failed, res.Requests, res.Errors)
	}
	if res.Requests == 0 {
		tb.Fatalf("%s: no requests", v.name)
	}
	return overheadRun{tput: res.Throughput, p50: res.P50, p99: res.P99, cpuPerReq: cpu / time.Duration(res.Requests)}
}

// BenchmarkCollectorOverhead drives the healthy flash-sale service with the
// same closed-loop load (8 clients, 1 s) without a collector (the baseline),
// with an idle default collector (metrics sampled every second), with an
// idle collector running the flight recorder, and while a bundle with CPU
// and wall-clock profiles over the whole window is captured. Each iteration is one round of
// all variants in a rotating order; the reported ratios are medians over
// rounds of variant/baseline from the same round, so slow drifts of a shared
// machine cancel out. Run several rounds:
//
//	go test -run '^$' -bench CollectorOverhead -benchtime 5x
func BenchmarkCollectorOverhead(b *testing.B) {
	s := startOverheadServer(b)
	variants := []overheadVariant{
		{name: "base"},
		{name: "idle", opts: []collector.Option{}},
		{name: "flight", opts: []collector.Option{collector.WithFlightRecorder(0, 0)}},
		{name: "capture", opts: []collector.Option{}, capture: true},
	}
	// Warm up connections, caches and the heap.
	if _, err := flashsale.Load(context.Background(), s.base, flashsale.Shape{Steady: 500 * time.Millisecond, Concurrency: 8}); err != nil {
		b.Fatal(err)
	}
	ratios := map[string][]float64{}
	var baseTput, baseCPU []float64
	round := 0
	for b.Loop() {
		runs := make(map[string]overheadRun, len(variants))
		for i := range variants {
			v := variants[(i+round)%len(variants)]
			runs[v.name] = s.run(b, v)
		}
		base := runs["base"]
		baseTput = append(baseTput, base.tput)
		baseCPU = append(baseCPU, float64(base.cpuPerReq)/float64(time.Microsecond))
		for _, v := range variants[1:] {
			r := runs[v.name]
			ratios[v.name+"-tput"] = append(ratios[v.name+"-tput"], r.tput/base.tput)
			ratios[v.name+"-p50"] = append(ratios[v.name+"-p50"], float64(r.p50)/float64(base.p50))
			ratios[v.name+"-p99"] = append(ratios[v.name+"-p99"], float64(r.p99)/float64(base.p99))
			ratios[v.name+"-cpu-per-req"] = append(ratios[v.name+"-cpu-per-req"], float64(r.cpuPerReq)/float64(base.cpuPerReq))
		}
		b.Logf("round %d: %s", round, describeRuns(variants, runs))
		round++
	}
	b.ReportMetric(medianOf(baseTput), "base-req/s")
	b.ReportMetric(medianOf(baseCPU), "base-cpu-µs/req")
	for _, k := range slices.Sorted(maps.Keys(ratios)) {
		xs := ratios[k]
		b.ReportMetric(medianOf(xs), k+"-ratio")
		b.Logf("%s ratio over %d rounds: min %.3f, quartiles %.3f %.3f %.3f, max %.3f",
			k, len(xs), slices.Min(xs), quantileOf(xs, 0.25), medianOf(xs), quantileOf(xs, 0.75), slices.Max(xs))
	}
}

func describeRuns(vs []overheadVariant, runs map[string]overheadRun) string {
	var buf bytes.Buffer
	for _, v := range vs {
		r := runs[v.name]
		fmt.Fprintf(&buf, "%s %.0f req/s p50 %v p99 %v cpu/req %v; ", v.name, r.tput, r.p50, r.p99, r.cpuPerReq)
	}
	return buf.String()
}

// quantileOf returns the q-quantile of xs by linear interpolation (NaN when
// empty) without reordering xs.
func quantileOf(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[lo]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

// medianOf returns the median of xs (NaN when empty) without reordering xs.
func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkCollectorMemory measures the live heap a default collector adds
// (metrics ring and sampler), the target being at most 1 MiB.
func BenchmarkCollectorMemory(b *testing.B) {
	var grew []float64
	for b.Loop() {
		before := liveHeap()
		c, err := collector.New()
		if err != nil {
			b.Fatal(err)
		}
		after := liveHeap()
		runtime.KeepAlive(c)
		_ = c.Close()
		grew = append(grew, float64(after)-float64(before))
	}
	b.ReportMetric(medianOf(grew), "heap-B")
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// parkDeep parks a goroutine n frames deep, about the depth of a request
// handler blocked in a downstream call.
//
//go:noinline
func parkDeep(n int, stop chan struct{}) {
	if n == 0 {
		<-stop
		return
	}
	parkDeep(n-1, stop)
}

// The runtime's histograms of stop-the-world pauses not caused by the GC
// (goroutine profiles and runtime.Stack stop the world for "other"
// reasons): the whole pause, and the part of it spent getting every P to
// stop, which a loaded machine stretches.
const (
	stwTotalKey    = "/sched/pauses/total/other:seconds"
	stwStoppingKey = "/sched/pauses/stopping/other:seconds"
)

func readSTW() (total, stopping *metrics.Float64Histogram) {
	s := []metrics.Sample{{Name: stwTotalKey}, {Name: stwStoppingKey}}
	metrics.Read(s)
	return s[0].Value.Float64Histogram(), s[1].Value.Float64Histogram()
}

// longestNewPause returns the upper bound of the highest histogram bucket
// that gained counts between before and after: the longest stop-the-world
// pause in between, to the histogram's resolution. Zero when none.
func longestNewPause(before, after *metrics.Float64Histogram) time.Duration {
	for i := len(after.Counts) - 1; i >= 0; i-- {
		if after.Counts[i] > before.Counts[i] {
			hi := after.Buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = after.Buckets[i]
			}
			return time.Duration(hi * float64(time.Second))
		}
	}
	return 0
}

// BenchmarkCapturePause measures the longest stop-the-world pause of each
// way of capturing goroutine stacks, with 1k, 10k and 100k goroutines parked
// 20 frames deep:
//
//   - goroutine-profile: pprof's goroutine profile (debug=0), which the
//     collector always takes; it stops the world twice, briefly.
//   - text-dump: runtime.Stack(buf, true) into a buffer large enough, which
//     stops the world for the whole dump.
//   - collector: a collector capture of the goroutines part with the default
//     stop-the-world budget (5 ms); the guard decides whether to add the
//     text dump.
//   - collector-full: the same with full=1, which forces the text dump.
//
// Reported: the median and the longest stop-the-world pause of an
// iteration (stw-µs, max-stw-µs; from the runtime's
// /sched/pauses/total/other:seconds histogram, so to its bucket
// resolution), the median of the part spent getting the world stopped
// (stopping-µs, which a loaded machine stretches whatever the capture) and
// how often the text dump was taken (text-taken).
//
//	go test -run '^$' -bench CapturePause
func BenchmarkCapturePause(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("goroutines=%dk", n/1000), func(b *testing.B) {
			stop := make(chan struct{})
			for range n {
				go parkDeep(18, stop)
			}
			defer func() {
				close(stop)
				runtime.GC()
			}()
			waitGoroutines(n)

			b.Run("goroutine-profile", func(b *testing.B) {
				var buf bytes.Buffer
				measurePauses(b, func() bool {
					buf.Reset()
					if err := pprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
						b.Fatal(err)
					}
					return false
				})
			})
			b.Run("text-dump", func(b *testing.B) {
				buf := make([]byte, n*4<<10)
				measurePauses(b, func() bool {
					if got := runtime.Stack(buf, true); got == len(buf) {
						b.Fatalf("text dump filled the %d-byte buffer", len(buf))
					}
					return true
				})
			})
			for _, full := range []bool{false, true} {
				name := "collector"
				if full {
					name = "collector-full"
				}
				b.Run(name, func(b *testing.B) {
					c, err := collector.New()
					if err != nil {
						b.Fatal(err)
					}
					defer c.Close()
					req := collector.CaptureRequest{Include: []collector.Part{collector.PartGoroutines}, Full: full}
					measurePauses(b, func() bool {
						m, err := c.Capture(context.Background(), io.Discard, req)
						if err != nil {
							b.Fatal(err)
						}
						return m.StackDump != nil && m.StackDump.Taken
					})
				})
			}
		})
	}
}

// measurePauses runs op in b.Loop and reports the median and the longest
// stop-the-world pause of an iteration, the median time spent stopping the
// world, and the share of iterations where op says it took a text dump.
func measurePauses(b *testing.B, op func() (textTaken bool)) {
	// Every variant starts from the same memory state: the previous one's
	// buffers collected and returned to the operating system.
	debug.FreeOSMemory()
	var pauses, stopping []float64
	taken := 0
	for b.Loop() {
		t0, s0 := readSTW()
		if op() {
			taken++
		}
		t1, s1 := readSTW()
		pauses = append(pauses, float64(longestNewPause(t0, t1))/float64(time.Microsecond))
		stopping = append(stopping, float64(longestNewPause(s0, s1))/float64(time.Microsecond))
	}
	b.ReportMetric(medianOf(pauses), "stw-µs")
	b.ReportMetric(slices.Max(pauses), "max-stw-µs")
	b.ReportMetric(medianOf(stopping), "stopping-µs")
	b.ReportMetric(float64(taken)/float64(len(pauses)), "text-taken")
}

// waitGoroutines waits until at least n goroutines beyond the test's exist
// and are parked.
func waitGoroutines(n int) {
	for deadline := time.Now().Add(30 * time.Second); runtime.NumGoroutine() < n && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
}
