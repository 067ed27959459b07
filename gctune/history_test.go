package gctune

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// runtime/metrics keys read by the test sampler.
const (
	keyGCCycles       = "/gc/cycles/total:gc-cycles"
	keyGCForced       = "/gc/cycles/forced:gc-cycles"
	keyHeapAllocs     = "/gc/heap/allocs:bytes"
	keyHeapAllocObjs  = "/gc/heap/allocs:objects"
	keyHeapFrees      = "/gc/heap/frees:bytes"
	keyCPUTotal       = "/cpu/classes/total:cpu-seconds"
	keyCPUUser        = "/cpu/classes/user:cpu-seconds"
	keyCPUIdle        = "/cpu/classes/idle:cpu-seconds"
	keyGCAssist       = "/cpu/classes/gc/mark/assist:cpu-seconds"
	keyGCDedicated    = "/cpu/classes/gc/mark/dedicated:cpu-seconds"
	keyGCIdle         = "/cpu/classes/gc/mark/idle:cpu-seconds"
	keyGCPause        = "/cpu/classes/gc/pause:cpu-seconds"
	keyGCTotal        = "/cpu/classes/gc/total:cpu-seconds"
	keyScavenge       = "/cpu/classes/scavenge/total:cpu-seconds"
	keyLimiter        = "/gc/limiter/last-enabled:gc-cycle"
	keyHeapLive       = "/gc/heap/live:bytes"
	keyHeapGoal       = "/gc/heap/goal:bytes"
	keyHeapObjBytes   = "/memory/classes/heap/objects:bytes"
	keyHeapObjects    = "/gc/heap/objects:objects"
	keyStacks         = "/memory/classes/heap/stacks:bytes"
	keyScanStack      = "/gc/scan/stack:bytes"
	keyScanGlobals    = "/gc/scan/globals:bytes"
	keyScanHeap       = "/gc/scan/heap:bytes"
	keyTotalMem       = "/memory/classes/total:bytes"
	keyReleased       = "/memory/classes/heap/released:bytes"
	keyHeapFreeMem    = "/memory/classes/heap/free:bytes"
	keyGOGC           = "/gc/gogc:percent"
	keyGOMEMLIMIT     = "/gc/gomemlimit:bytes"
	keyGOMAXPROCS     = "/sched/gomaxprocs:threads"
	keyGoroutines     = "/sched/goroutines:goroutines"
	keyRunnable       = "/sched/goroutines/runnable:goroutines"
	keyGCPauses       = "/sched/pauses/total/gc:seconds"
	keySchedLatencies = "/sched/latencies:seconds"
)

// sampler reads runtime/metrics into bundle.MetricsSample values, as the
// collector does (this test must not import collector).
type sampler struct {
	samples    []metrics.Sample
	idx        map[string]int
	prevPauses *metrics.Float64Histogram
	prevLat    *metrics.Float64Histogram
}

func newSampler() *sampler {
	keys := []string{keyGCCycles, keyGCForced, keyHeapAllocs, keyHeapAllocObjs, keyHeapFrees, keyCPUTotal, keyCPUUser, keyCPUIdle,
		keyGCAssist, keyGCDedicated, keyGCIdle, keyGCPause, keyGCTotal, keyScavenge, keyLimiter, keyHeapLive, keyHeapGoal,
		keyHeapObjBytes, keyHeapObjects, keyStacks, keyScanStack, keyScanGlobals, keyScanHeap, keyTotalMem, keyReleased,
		keyHeapFreeMem, keyGOGC, keyGOMEMLIMIT, keyGOMAXPROCS, keyGoroutines, keyRunnable, keyGCPauses, keySchedLatencies}
	s := &sampler{idx: map[string]int{}}
	for i, k := range keys {
		s.samples = append(s.samples, metrics.Sample{Name: k})
		s.idx[k] = i
	}
	return s
}

func (s *sampler) u(k string) uint64 {
	v := s.samples[s.idx[k]].Value
	if v.Kind() != metrics.KindUint64 {
		return 0
	}
	return v.Uint64()
}

func (s *sampler) f(k string) float64 {
	v := s.samples[s.idx[k]].Value
	if v.Kind() != metrics.KindFloat64 {
		return 0
	}
	return v.Float64()
}

// histDelta summarises the events added to h since prev.
func histDelta(h, prev *metrics.Float64Histogram) (p50, p99, maxV float64, n uint64) {
	counts := make([]uint64, len(h.Counts))
	for i, c := range h.Counts {
		counts[i] = c
		if prev != nil && i < len(prev.Counts) {
			counts[i] -= prev.Counts[i]
		}
		n += counts[i]
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	at := func(q float64) float64 {
		var acc uint64
		for i, c := range counts {
			acc += c
			if float64(acc) >= q*float64(n) {
				return bucketTop(h.Buckets, i)
			}
		}
		return bucketTop(h.Buckets, len(counts)-1)
	}
	for i := len(counts) - 1; i >= 0; i-- {
		if counts[i] > 0 {
			maxV = bucketTop(h.Buckets, i)
			break
		}
	}
	return at(0.5), at(0.99), maxV, n
}

func bucketTop(b []float64, i int) float64 {
	if v := b[i+1]; !math.IsInf(v, 1) {
		return v
	}
	return b[i]
}

func (s *sampler) read(now time.Time) bundle.MetricsSample {
	metrics.Read(s.samples)
	m := bundle.MetricsSample{
		Time: now, GCCycles: s.u(keyGCCycles), GCCyclesForced: s.u(keyGCForced), HeapAllocBytes: s.u(keyHeapAllocs),
		HeapAllocObjects: s.u(keyHeapAllocObjs), HeapFreedBytes: s.u(keyHeapFrees), CPUTotalSeconds: s.f(keyCPUTotal),
		CPUUserSeconds: s.f(keyCPUUser), CPUIdleSeconds: s.f(keyCPUIdle), GCAssistSeconds: s.f(keyGCAssist),
		GCDedicatedSeconds: s.f(keyGCDedicated), GCIdleSeconds: s.f(keyGCIdle), GCPauseSeconds: s.f(keyGCPause),
		GCTotalSeconds: s.f(keyGCTotal), ScavengeSeconds: s.f(keyScavenge), LimiterLastCycle: s.u(keyLimiter),
		HeapLiveBytes: s.u(keyHeapLive), HeapGoalBytes: s.u(keyHeapGoal), HeapObjectsBytes: s.u(keyHeapObjBytes),
		HeapObjects: s.u(keyHeapObjects), StackBytes: s.u(keyStacks), ScanStackBytes: s.u(keyScanStack),
		ScanGlobalsBytes: s.u(keyScanGlobals), ScanHeapBytes: s.u(keyScanHeap), TotalMemoryBytes: s.u(keyTotalMem),
		HeapReleasedBytes: s.u(keyReleased), HeapFreeMemBytes: s.u(keyHeapFreeMem), GOGC: int64(s.u(keyGOGC)),
		GOMEMLIMIT: int64(s.u(keyGOMEMLIMIT)), GOMAXPROCS: int64(s.u(keyGOMAXPROCS)), Goroutines: s.u(keyGoroutines),
		GoroutinesRunnable: s.u(keyRunnable),
	}
	if v := s.samples[s.idx[keyGCPauses]].Value; v.Kind() == metrics.KindFloat64Histogram {
		h := v.Float64Histogram()
		m.GCPauseP50, m.GCPauseP99, m.GCPauseMax, m.GCPauses = histDelta(h, s.prevPauses)
		s.prevPauses = &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
	}
	if v := s.samples[s.idx[keySchedLatencies]].Value; v.Kind() == metrics.KindFloat64Histogram {
		h := v.Float64Histogram()
		m.SchedLatP50, m.SchedLatP99, m.SchedLatMax, _ = histDelta(h, s.prevLat)
		s.prevLat = &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
	}
	return m
}

// node is a pointer-bearing 4 KiB object.
type node struct {
	ptrs [32]*node
	_    [4096 - 32*8]byte
}

// allocate runs a paced allocation workload (total bytes of short-lived
// nodes at up to rate bytes/s, a live set of liveBytes turning over slowly)
// while sampling runtime/metrics every interval, and returns the history.
// It ends when total bytes are allocated, not after a time: a loaded
// machine makes the run longer, not the workload smaller.
func allocate(t *testing.T, liveBytes int, rate float64, total int, interval time.Duration) *bundle.MetricsHistory {
	t.Helper()
	live := make([]*node, liveBytes/4096)
	anchor := new(node)
	for i := range live {
		live[i] = &node{ptrs: [32]*node{anchor}}
	}
	h := &bundle.MetricsHistory{Interval: interval}
	s := newSampler()
	// The first sample is taken before the sampling goroutine starts: the
	// sampler is not safe for concurrent use.
	h.Samples = append(h.Samples, s.read(time.Now()))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				// The time of the read, not of the tick: under CPU
				// contention the two differ by more than the interval.
				h.Samples = append(h.Samples, s.read(time.Now()))
			}
		}
	}()
	sink := make([]*node, 64)
	perMs := rate / 4096 / 1000
	start := time.Now()
	var owed float64
	n := 0
	for next := start; n*4096 < total; {
		owed += perMs
		for ; owed >= 1; owed-- {
			sink[n%len(sink)] = &node{ptrs: [32]*node{anchor}}
			n++
			if n%32 == 0 {
				live[n/32%len(live)] = &node{ptrs: [32]*node{anchor}}
			}
		}
		next = next.Add(time.Millisecond)
		time.Sleep(time.Until(next))
	}
	close(stop)
	wg.Wait()
	runtime.KeepAlive(live)
	runtime.KeepAlive(sink)
	return h
}

// TestAnalyzeRealHistory records real runtime/metrics histories at GOGC=100
// and GOGC=200 under the same paced load, checks the analysis against what
// the test did, and predicts the GOGC=200 run from the GOGC=100 one.
func TestAnalyzeRealHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 5 s workload")
	}
	const (
		live = 32 << 20
		rate = 240 << 20 // bytes/s
	)
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	runtime.GC()
	const total = rate * 10 / 3 // 3.3 s at the paced rate, about 12 GOGC=200 cycles
	h100 := allocate(t, live, rate, total, 50*time.Millisecond)
	debug.SetGCPercent(200)
	runtime.GC()
	h200 := allocate(t, live, rate, total, 50*time.Millisecond)

	// Drop the first samples: the live set is built then.
	trim := func(h *bundle.MetricsHistory) *bundle.MetricsHistory {
		return &bundle.MetricsHistory{Interval: h.Interval, Samples: h.Samples[4:]}
	}
	r100, err := Analyze(Input{History: trim(h100)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r200, err := Analyze(Input{History: trim(h200)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Result{r100, r200} {
		if !r.HasHistory || r.ShareBasis != "busy" || r.Cycles < 3 {
			t.Fatalf("analysis: history %v basis %q cycles %d", r.HasHistory, r.ShareBasis, r.Cycles)
		}
		// Paced by time.Sleep, which catches up after a stall (a burst
		// over the rate); a loaded machine allocates slower, never faster.
		if r.AllocBytesPerSec <= 0 || r.AllocBytesPerSec > 1.5*rate {
			t.Errorf("allocation rate %.0f MiB/s, the test allocated at most %d MiB/s", r.AllocBytesPerSec/mib, rate/mib)
		}
		if r.LiveHeapBytes < live || r.LiveHeapBytes > 3*live {
			t.Errorf("live heap %d MiB, the test keeps %d MiB", r.LiveHeapBytes/mib, live/mib)
		}
		if r.GCCPUShare <= 0 || r.GCCPUShare >= 1 || r.GCCores <= 0 || r.MutatorCores <= 0 {
			t.Errorf("CPU: share %.3f gc %.3f mutator %.3f", r.GCCPUShare, r.GCCores, r.MutatorCores)
		}
		if r.Model.CPUPerByte <= 0 || r.Model.NonHeapBytes <= 0 || r.PauseMax <= 0 {
			t.Errorf("model %+v pause max %v", r.Model, r.PauseMax)
		}
	}
	if r100.GOGC.Value != 100 || r200.GOGC.Value != 200 {
		t.Errorf("GOGC read %d and %d", r100.GOGC.Value, r200.GOGC.Value)
	}
	self := (r100.Baseline.CyclesPerSec - r100.CyclesPerSec) / r100.CyclesPerSec
	p := Simulate(r100.Model, Candidate{GOGC: 200, MemoryLimitBytes: NoLimit}, r100.Workload)
	// Cycles per allocated byte, not per second: the model predicts
	// the GOGC=200 run at the GOGC=100 run's allocation rate, and a
	// loaded machine paces the two runs differently; the heap goal, and so
	// the bytes between cycles, do not depend on the machine's speed.
	predPerGiB := p.CyclesPerSec / r100.AllocBytesPerSec * (1 << 30)
	realPerGiB := r200.CyclesPerSec / r200.AllocBytesPerSec * (1 << 30)
	relErr := (predPerGiB - realPerGiB) / realPerGiB
	t.Logf("GOGC=100: %.2f cycles/s observed, model %.2f (%+.1f%%); GC CPU %.1f%% of busy CPU; %.2f ns/byte",
		r100.CyclesPerSec, r100.Baseline.CyclesPerSec, self*100, r100.GCCPUShare*100, r100.Model.CPUPerByte*1e9)
	t.Logf("GOGC=200 predicted from GOGC=100: %.2f cycles/GiB allocated, real %.2f (error %+.1f%%); GC CPU predicted %.1f%%, real %.1f%%; peak heap predicted %d MiB, real %d MiB",
		predPerGiB, realPerGiB, relErr*100, p.GCCPUShare*100, r200.GCCPUShare*100, p.PeakHeapBytes/mib, r200.PeakHeapBytes/mib)
	if math.Abs(self) > 0.2 {
		t.Errorf("model does not reproduce its own calibration run: %+.1f%%", self*100)
	}
	// A window holds whole cycles only (±1 of about 12 at GOGC=200): allow 35%.
	if math.Abs(relErr) > 0.35 {
		t.Errorf("GOGC=200 cycles per allocated byte: error %+.1f%%", relErr*100)
	}
}
