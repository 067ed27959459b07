package leakwatch

import (
	"bytes"
	"fmt"
	"runtime"
	"time"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// Before the first text dump the watch assumes this pause per goroutine
// (the collector's conservative estimate); from minLearnGoroutines up it
// learns the cost from each dump (below, the fixed cost of stopping the
// world dominates).
const (
	defaultWaitCostPerG = 10 * time.Microsecond
	minLearnGoroutines  = 100
	maxTextDumpBytes    = 64 << 20
	keepTextBufBytes    = 4 << 20
)

// addWaits takes the full goroutine text dump when its estimated pause fits
// Options.WaitBudget and carries its wait times over to snap, the profile of
// the same moment (see carryWaits). n is the goroutine count.
func (w *Watch) addWaits(snap *stack.Snapshot, n int) {
	if w.opts.WaitBudget < 0 {
		return
	}
	per := w.waitCostPerG
	if per <= 0 {
		per = defaultWaitCostPerG
	}
	if est := time.Duration(n) * per; est > w.opts.WaitBudget {
		// Expected for large processes, so counted, not warned about.
		w.stats.SkippedTextDumps++
		if per > defaultWaitCostPerG { // a cost learnt at a bad moment fades back
			w.waitCostPerG = per - (per-defaultWaitCostPerG)/4
		}
		return
	}
	size := max(w.textBufSize, 64<<10, n*2048)
	if cap(w.textBuf) < size {
		w.textBuf = make([]byte, size)
	}
	buf := w.textBuf[:cap(w.textBuf)]
	var pause time.Duration
	k := 0
	for {
		t0 := time.Now()
		k = runtime.Stack(buf, true)
		pause += time.Since(t0)
		if k < len(buf) || len(buf) >= maxTextDumpBytes {
			break
		}
		buf = make([]byte, min(2*len(buf), maxTextDumpBytes))
	}
	w.stats.TextDumps++
	w.stats.StopTheWorldSeconds += pause.Seconds()
	if n >= minLearnGoroutines {
		w.waitCostPerG = pause / time.Duration(n)
	}
	w.textBufSize = k + k/4
	text, err := stack.Parse(bytes.NewReader(buf[:k]), stack.ParseOptions{})
	if len(buf) <= keepTextBufBytes {
		w.textBuf = buf
	} else {
		w.textBuf = nil
	}
	if text == nil {
		w.fail(fmt.Errorf("leakwatch: goroutine text dump: %w", err))
		return
	}
	carryWaits(snap, text)
}

// carryWaits sets the Wait of each record of snap (a goroutine profile,
// aggregated, without wait times) to the shortest wait the text dump of the
// same moment printed for goroutines with the same stack (leaks.StackKey):
// all of them have waited at least that long. Stacks any of whose
// goroutines waited under a minute (or that the dump lacks) get none.
func carryWaits(snap, text *stack.Snapshot) {
	waits := make(map[string]time.Duration, len(text.Goroutines))
	for i := range text.Goroutines {
		g := &text.Goroutines[i]
		k := leaks.StackKey(g.Stack)
		if v, ok := waits[k]; !ok || g.Wait < v {
			waits[k] = g.Wait
		}
	}
	for i := range snap.Goroutines {
		g := &snap.Goroutines[i]
		if v := waits[leaks.StackKey(g.Stack)]; v > 0 {
			g.Wait = v
		}
	}
}
