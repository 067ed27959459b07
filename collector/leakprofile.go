package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// Estimates of the goroutineleak sequence per goroutine used before one has
// been measured, from BenchmarkLeakDetection (benchmarks/) on Go 1.27.3 at
// 100k goroutines: the longest stop-the-world pause was 0.4 µs per
// goroutine when they park on a shared channel and 2 µs when all of them
// are leaked (the runtime marks each leaked goroutine with the world
// stopped); the whole sequence took 3–8 µs.
const (
	defaultLeakPausePerGoroutine = 2 * time.Microsecond
	defaultLeakTimePerGoroutine  = 10 * time.Microsecond
	// maxLeakDuration bounds the estimated duration of the whole sequence:
	// in the detection's worst case (goroutines that reach each other in
	// chains) it runs one short pause per link, seconds of GC work at a
	// few thousand goroutines.
	maxLeakDuration = 2 * time.Second
)

// errNoLeakProfile explains a goroutineleak part asked for in a runtime
// that has no such profile.
var errNoLeakProfile = fmt.Errorf("collector: goroutineleak profile not in %s: Go 1.27+ has it; on Go 1.26 build with GOEXPERIMENT=goroutineleakprofile", runtime.Version())

// leakPlan is the leak budget's decision for one goroutineleak profile.
type leakPlan struct {
	take   bool
	reason string
	pause  time.Duration // estimated longest stop-the-world pause
	took   time.Duration // estimated duration of the sequence
}

// planLeak decides whether the goroutineleak profile fits: goroutines ×
// pausePerG within budget and goroutines × timePerG within maxLeakDuration,
// or full.
func planLeak(goroutines int, pausePerG, timePerG, budget time.Duration, full bool) leakPlan {
	p := leakPlan{pause: time.Duration(goroutines) * pausePerG, took: time.Duration(goroutines) * timePerG}
	switch {
	case full:
		p.take, p.reason = true, "full=1 requested: leak budget overridden"
	case p.pause > budget:
		p.reason = fmt.Sprintf("collector: goroutineleak skipped: estimated pause %v (%d goroutines × %v) exceeds the leak budget %v; full=1 overrides",
			p.pause, goroutines, pausePerG, budget)
	case p.took > maxLeakDuration:
		p.reason = fmt.Sprintf("collector: goroutineleak skipped: estimated detection %v (%d goroutines × %v measured at the last one) exceeds %v; full=1 overrides",
			p.took, goroutines, timePerG, maxLeakDuration)
	default:
		p.take = true
	}
	return p
}

// leakSequence writes the goroutineleak profile the way that gives the full
// answer: a GC cycle first, then the profile, whose own detection cycle
// then sees every goroutine that leaked before the request. Without the
// GC the runtime missed the goroutine blocked on a leaked sync.Mutex in
// every one of 10 fresh processes on Go 1.27.3 and 1.26.8 (8 of 9 known
// leaks listed; benchmarks/cmd/leakseq), while a GC first, or a second
// request, listed all 9 in every one. A GC is the cheaper of the two: the
// detection cycle costs more than an ordinary one.
func leakSequence(_ context.Context, w io.Writer) error {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		return errNoLeakProfile
	}
	runtime.GC()
	if err := p.WriteTo(w, 0); err != nil {
		return fmt.Errorf("collector: goroutineleak profile: %w", err)
	}
	return nil
}

// leakProfile applies the leak budget and, when it allows, adds
// goroutineleak.pb.gz to the bundle; a skip is a failed entry saying why.
// It learns the pause and duration per goroutine for the next plan.
func (c *Collector) leakProfile(cp *capture, full bool, goroutines int) {
	pauseCost, timeCost := time.Duration(c.leakPauseNs.Load()), time.Duration(c.leakTimeNs.Load())
	if pauseCost <= 0 {
		pauseCost = defaultLeakPausePerGoroutine
	}
	if timeCost <= 0 {
		timeCost = defaultLeakTimePerGoroutine
	}
	p := planLeak(goroutines, pauseCost, timeCost, c.cfg.leakBudget, full)
	if !p.take {
		// Like the stack guard: a cost learnt at a bad moment fades a
		// quarter of the way back to the default with each skip, so one
		// slow detection does not disable the profile for good.
		fade(&c.leakPauseNs, defaultLeakPausePerGoroutine)
		fade(&c.leakTimeNs, defaultLeakTimePerGoroutine)
		cp.fail(bundle.KindGoroutineLeak, errors.New(p.reason), 0, 0)
		return
	}
	r := cp.wait(cp.start(PartGoroutineLeak, func(ctx context.Context, w io.Writer) error {
		before := readGCPauses()
		t0 := time.Now()
		err := leakSequence(ctx, w)
		// Learnt here, not from the result: a detection that outlives
		// an aborted capture still teaches the next plan its cost.
		if err == nil && goroutines >= minGoroutinesToLearn {
			c.leakTimeNs.Store(int64(time.Since(t0)) / int64(goroutines))
			c.leakPauseNs.Store(int64(longestNewPause(before, readGCPauses())) / int64(goroutines))
		}
		return err
	}))
	cp.put(bundle.KindGoroutineLeak, r, 0)
}

// fade moves a learnt cost above def a quarter of the way back to def.
func fade(v interface {
	Load() int64
	CompareAndSwap(old, new int64) bool
}, def time.Duration) {
	if learnt := v.Load(); learnt > int64(def) {
		v.CompareAndSwap(learnt, max(int64(def), learnt-(learnt-int64(def))/4-1))
	}
}

// readGCPauses reads the histogram of the GC's stop-the-world pauses into
// a fresh sample (metrics.Read reuses a sample's histogram).
func readGCPauses() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: keyGCPauses}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

// longestNewPause returns the upper bound of the highest histogram bucket
// that gained counts between before and after: the longest pause in
// between, rounded up to the histogram's resolution. Zero when none.
func longestNewPause(before, after *metrics.Float64Histogram) time.Duration {
	if before == nil || after == nil || len(before.Counts) != len(after.Counts) {
		return 0
	}
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
