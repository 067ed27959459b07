package collector

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// minGoroutinesToLearn is the least goroutine count at which a measured
// dump updates the per-goroutine pause estimate. Below it the fixed cost of
// stopping the world dominates; above it pause/goroutines overestimates the
// cost a little, which errs on the safe side. It must stay well below
// DefaultStackBudget / defaultStackCostPerGoroutine (500), the most
// goroutines the default guard dumps before it has learnt anything, or the
// default configuration would never learn.
const minGoroutinesToLearn = 100

// stackPlan is the stop-the-world guard's decision for one text dump.
type stackPlan struct {
	take      bool
	reason    string
	estimated time.Duration
	size      int // initial buffer size in bytes
}

// planStack decides whether the full goroutine text dump fits the budget:
// goroutines × costPerG ≤ budget, or full. The buffer is sized from the
// bytes per goroutine of the last dump plus a quarter, so the world
// normally stops once.
func planStack(goroutines int, costPerG time.Duration, bytesPerG int64, budget time.Duration, maxBytes int, full bool) stackPlan {
	est := time.Duration(goroutines) * costPerG
	p := stackPlan{estimated: est}
	switch {
	case full:
		p.take, p.reason = true, "full=1 requested: budget overridden"
	case est <= budget:
		p.take, p.reason = true, fmt.Sprintf("estimated pause %v (%d goroutines × %v) within budget %v", est, goroutines, costPerG, budget)
	default:
		p.reason = fmt.Sprintf("skipped: estimated pause %v (%d goroutines × %v) exceeds budget %v; full=1 overrides", est, goroutines, costPerG, budget)
		return p
	}
	size := int64(goroutines)*bytesPerG*5/4 + 64<<10
	p.size = int(min(size, int64(maxBytes)))
	return p
}

// dumpStacks calls runtime.Stack(all) into a buffer of size bytes, growing
// it (×2, up to maxBytes) only when the output filled it. It returns the
// text, the duration of the final call (the world is stopped for nearly
// all of it), the number of calls and whether the output may be cut short.
func dumpStacks(size, maxBytes int) (text []byte, pause time.Duration, calls int, truncated bool) {
	for {
		buf := make([]byte, size)
		prefault(buf)
		t0 := time.Now()
		n := runtime.Stack(buf, true)
		pause = time.Since(t0)
		calls++
		if n < len(buf) {
			return buf[:n], pause, calls, false
		}
		if size >= maxBytes {
			return buf[:n], pause, calls, true
		}
		size = min(size*2, maxBytes)
	}
}

// prefault touches one byte per page of buf. A large buffer fresh from the
// operating system is not yet backed by memory; without this, runtime.Stack
// would take a page fault for every 4 KiB of output while the world is
// stopped.
func prefault(buf []byte) {
	for i := 0; i < len(buf); i += 4 << 10 {
		buf[i] = 0
	}
}

// stackDump applies the guard and, when it allows, adds goroutines.txt to
// the bundle. It learns the per-goroutine cost and size for the next plan.
func (c *Collector) stackDump(cp *capture, full bool, goroutines int) *bundle.StackDump {
	cost := time.Duration(c.stackCostNs.Load())
	if cost <= 0 {
		cost = defaultStackCostPerGoroutine
	}
	per := c.stackBytesPer.Load()
	if per <= 0 {
		per = defaultStackBytesPerGoroutine
	}
	maxBytes := c.cfg.maxStackBytes
	if left := cp.cw.limit - cp.cw.n - manifestReserve; int64(maxBytes) > left {
		maxBytes = int(max(left, 64<<10))
	}
	p := planStack(goroutines, cost, per, c.cfg.stackBudget, maxBytes, full)
	sd := &bundle.StackDump{Reason: p.reason, EstimatedPause: p.estimated, Budget: c.cfg.stackBudget}
	if !p.take {
		// A cost learnt at a bad moment (a CPU-starved pause) would keep the
		// guard skipping for good, since only a taken dump teaches it.
		// Each skip moves a learnt cost above the conservative default a
		// quarter of the way back to it, never below it.
		if learnt := c.stackCostNs.Load(); learnt > int64(defaultStackCostPerGoroutine) {
			c.stackCostNs.CompareAndSwap(learnt, max(int64(defaultStackCostPerGoroutine), learnt-(learnt-int64(defaultStackCostPerGoroutine))/4-1))
		}
		return sd
	}
	var pause time.Duration
	var calls int
	var truncated bool
	r := cp.wait(cp.start(PartGoroutines, func(_ context.Context, w io.Writer) error {
		text, ps, n, tr := dumpStacks(p.size, maxBytes)
		pause, calls, truncated = ps, n, tr
		_, err := w.Write(text)
		return err
	}))
	if r.err != nil {
		// The step goroutine may still be running: do not touch its results.
		sd.Reason += "; failed: " + r.err.Error()
		cp.fail(bundle.KindGoroutineText, r.err, 0, r.took)
		return sd
	}
	sd.Taken, sd.MeasuredPause, sd.Truncated = true, pause, truncated
	if calls > 1 {
		sd.Reason += fmt.Sprintf("; buffer grown, world stopped %d times", calls)
	}
	if truncated {
		sd.Reason += fmt.Sprintf("; output truncated at %d bytes (WithMaxStackBytes)", maxBytes)
	}
	if n := max(goroutines, 1); !truncated {
		// With few goroutines the fixed cost of stopping the world
		// dominates and would inflate the per-goroutine estimate.
		if n >= minGoroutinesToLearn {
			c.stackCostNs.Store(int64(pause) / int64(n))
		}
		c.stackBytesPer.Store(max(int64(len(r.data))/int64(n), 256))
	}
	cp.put(bundle.KindGoroutineText, r, 0)
	if len(cp.entries) > 0 && cp.entries[len(cp.entries)-1].Error != "" {
		sd.Taken = false
		sd.Reason += "; not stored: " + cp.entries[len(cp.entries)-1].Error
	}
	return sd
}
