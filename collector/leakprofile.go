package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// defaultLeakCostPerGoroutine is the estimate of the GC-then-detection
// sequence per goroutine used before one has been measured: about twice
// what it costs when goroutines park on a shared channel (2 µs at 100k on
// the development VM) and what it costs when 100k goroutines are all leaked
// (3–4 µs). See BenchmarkLeakDetection in benchmarks/.
const defaultLeakCostPerGoroutine = 5 * time.Microsecond

// errNoLeakProfile explains a goroutineleak part asked for in a runtime
// that has no such profile.
var errNoLeakProfile = fmt.Errorf("collector: goroutineleak profile not in %s: Go 1.27+ has it; on Go 1.26 build with GOEXPERIMENT=goroutineleakprofile", runtime.Version())

// leakPlan is the leak budget's decision for one goroutineleak profile.
type leakPlan struct {
	take      bool
	reason    string
	estimated time.Duration
}

// planLeak decides whether the goroutineleak profile fits the budget:
// goroutines × costPerG ≤ budget, or full.
func planLeak(goroutines int, costPerG, budget time.Duration, full bool) leakPlan {
	est := time.Duration(goroutines) * costPerG
	switch {
	case full:
		return leakPlan{true, "full=1 requested: leak budget overridden", est}
	case est <= budget:
		return leakPlan{true, "", est}
	}
	return leakPlan{false, fmt.Sprintf("collector: goroutineleak skipped: estimated detection %v (%d goroutines × %v) exceeds the leak budget %v; full=1 overrides",
		est, goroutines, costPerG, budget), est}
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
// It learns the cost per goroutine for the next plan.
func (c *Collector) leakProfile(cp *capture, full bool, goroutines int) {
	cost := time.Duration(c.leakCostNs.Load())
	if cost <= 0 {
		cost = defaultLeakCostPerGoroutine
	}
	p := planLeak(goroutines, cost, c.cfg.leakBudget, full)
	if !p.take {
		// Like the stack guard: a cost learnt at a bad moment fades a
		// quarter of the way back to the default with each skip, so one
		// slow detection does not disable the profile for good.
		if learnt := c.leakCostNs.Load(); learnt > int64(defaultLeakCostPerGoroutine) {
			c.leakCostNs.CompareAndSwap(learnt, max(int64(defaultLeakCostPerGoroutine), learnt-(learnt-int64(defaultLeakCostPerGoroutine))/4-1))
		}
		cp.fail(bundle.KindGoroutineLeak, errors.New(p.reason), 0, 0)
		return
	}
	r := cp.wait(cp.start(PartGoroutineLeak, func(ctx context.Context, w io.Writer) error {
		t0 := time.Now()
		err := leakSequence(ctx, w)
		// Learnt here, not from the result: a detection that outlives
		// an aborted capture still teaches the next plan its cost.
		if err == nil && goroutines >= minGoroutinesToLearn {
			c.leakCostNs.Store(int64(time.Since(t0)) / int64(goroutines))
		}
		return err
	}))
	cp.put(bundle.KindGoroutineLeak, r, 0)
}
