package analyzer

import (
	"bytes"
	"fmt"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
)

// SectionPools is the ID of the section that lists the instrumented pools
// recorded in a bundle's manifest with their hit rates.
const SectionPools = "pools"

// heapSnapshot is the heap and/or allocs profile of one moment.
type heapSnapshot struct {
	name         string
	heap, allocs *profile.Profile
	// at is the bundle's capture time; zero for loose profiles.
	at time.Time
	// proc is "host pid" from the bundle's manifest; "" for loose profiles.
	proc string
}

// profile returns the snapshot's profile for diffing: the heap profile when
// there is one (both carry all four sample types).
func (s heapSnapshot) profile() *profile.Profile {
	if s.heap != nil {
		return s.heap
	}
	return s.allocs
}

// snapTime is when the snapshot's profile was taken (the bundle's capture
// time when the profile does not say).
func snapTime(s heapSnapshot) time.Time {
	if t := s.profile().TimeNanos; t > 0 {
		return time.Unix(0, t)
	}
	return s.at
}

// heapOptions leave the collector's own allocations out of the sites: a
// snapshot taken during a capture always shows its buffers, which are not
// the service's.
func heapOptions(opts Options) heap.HeapOptions {
	return heap.HeapOptions{IgnorePackages: []string{"github.com/gdiag/gdiag/collector"}, MainModules: opts.MainModules}
}

// looseMergeWindow is how far apart a loose heap profile and a loose allocs
// profile may have been taken to count as one snapshot.
const looseMergeWindow = 2 * time.Second

// heapSnapshots returns the heap snapshots of inputs in input order. A bundle
// is one snapshot; a loose heap profile and a loose allocs profile given one
// after the other and taken within looseMergeWindow are one snapshot too.
func heapSnapshots(inputs []*Input) []heapSnapshot {
	var out []heapSnapshot
	for _, in := range inputs {
		if in == nil {
			continue
		}
		h, a := in.Profiles[bundle.KindHeap], in.Profiles[bundle.KindAllocs]
		if h == nil && a == nil {
			continue
		}
		s := heapSnapshot{name: in.Name, heap: h, allocs: a}
		if m := in.Manifest; m != nil {
			s.at = m.CapturedAt
			if m.PID != 0 {
				s.proc = fmt.Sprintf("%s pid %d", m.Host, m.PID)
			}
		}
		if n := len(out); n > 0 && in.Manifest == nil && out[n-1].at.IsZero() {
			prev := &out[n-1]
			dt := time.Duration(s.profile().TimeNanos - prev.profile().TimeNanos).Abs()
			switch {
			case prev.heap != nil && prev.allocs == nil && h == nil && dt <= looseMergeWindow:
				prev.allocs, prev.name = a, prev.name+" + "+in.Name
				continue
			case prev.allocs != nil && prev.heap == nil && a == nil && dt <= looseMergeWindow:
				prev.heap, prev.name = h, prev.name+" + "+in.Name
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// window returns the samples of h that span [from, to]: from the last one
// at or before from to the first one at or after to, where a sample less
// than two intervals (at least a second) inside the window also counts as
// its edge (a bundle's history ends a moment before its heap profile is
// written). It returns nil when h does not cover the window with at least
// two samples.
func window(h *bundle.MetricsHistory, from, to time.Time) *bundle.MetricsHistory {
	ss := h.Samples
	if len(ss) < 2 {
		return nil
	}
	tol := max(2*h.Interval, time.Second)
	lo, hi := -1, -1
	for i, s := range ss {
		if !s.Time.After(from) {
			lo = i
		}
		if hi < 0 && !s.Time.Before(to) {
			hi = i
		}
	}
	if lo < 0 && ss[0].Time.Sub(from) < tol {
		lo = 0
	}
	if last := len(ss) - 1; hi < 0 && to.Sub(ss[last].Time) < tol {
		hi = last
	}
	if lo < 0 || hi <= lo {
		return nil
	}
	return &bundle.MetricsHistory{Interval: h.Interval, Samples: ss[lo : hi+1]}
}

// gcContext prices pool advice from the last input with a metrics history
// (through gctune's analysis of it), else from the last gctrace log. When
// from and to are set (the times of two heap snapshots being compared) and
// the history covers them, only that stretch of it is used, so that the GC
// figures and the allocation shares describe the same load. The string says
// where the numbers came from; "" when nothing is known.
func gcContext(inputs []*Input, from, to time.Time) (heap.GCContext, string) {
	for i := len(inputs) - 1; i >= 0; i-- {
		in := inputs[i]
		if in == nil || in.Metrics == nil || len(in.Metrics.Samples) < 2 {
			continue
		}
		hist, what := in.Metrics, "the metrics history of "+in.Name
		if w := window(hist, from, to); !from.IsZero() && w != nil {
			hist = w
			what = fmt.Sprintf("the metrics history of %s between the heap snapshots (%d samples)", in.Name, len(w.Samples))
		}
		gc := heap.GCContextFromMetrics(hist.Samples)
		if r, err := gctune.Analyze(gctune.Input{Manifest: in.Manifest, History: hist}, gctune.Options{}); err == nil && r.ShareBasis == "busy" {
			gc.GCCPUShare = r.GCCPUShare
			if r.AllocBytesPerSec > 0 {
				gc.AllocBytesPerSec = r.AllocBytesPerSec
			}
		}
		if gc == (heap.GCContext{}) {
			continue
		}
		return gc, what
	}
	for i := len(inputs) - 1; i >= 0; i-- {
		in := inputs[i]
		if in == nil || len(in.GCTrace) == 0 {
			continue
		}
		// Parse problems are the gctune check's to report; usable cycles are enough here.
		cs, _ := gctune.ParseGCTrace(bytes.NewReader(in.GCTrace))
		if len(cs) == 0 {
			continue
		}
		r, err := gctune.Analyze(gctune.Input{Manifest: in.Manifest, Cycles: cs}, gctune.Options{})
		if err != nil {
			continue
		}
		gc := heap.GCContext{AllocBytesPerSec: r.AllocBytesPerSec, GCCPUShare: r.GCCPUShare, GOGC: r.GOGC.Value}
		if r.LiveHeapBytes > 0 {
			gc.LiveHeapBytes = uint64(r.LiveHeapBytes)
		}
		return gc, fmt.Sprintf("the gctrace log %s (GC CPU over GOMAXPROCS × wall time)", in.Name)
	}
	return heap.GCContext{}, ""
}

// poolStats returns the instrumented pools of the last bundle that recorded
// any, and that bundle's name.
func poolStats(inputs []*Input) ([]bundle.PoolStats, string) {
	for i := len(inputs) - 1; i >= 0; i-- {
		if in := inputs[i]; in != nil && in.Manifest != nil && len(in.Manifest.Pools) > 0 {
			return in.Manifest.Pools, in.Name
		}
	}
	return nil, ""
}

// heapChecks runs the heap analysis and the pool check: DiffHeap between the
// first and the last heap snapshot when there are two or more (falling back
// to the last one alone when they cannot be compared), else AnalyzeHeap of
// the one snapshot, priced with the GC context of the inputs and linked to
// the bundle's instrumented pools. It returns the heap, pool-candidate and
// pools sections, the findings, and warnings for inputs it could not use.
func heapChecks(inputs []*Input, aopts Options) (secs []report.Section, fs []report.Finding, warns []string) {
	pools, poolsFrom := poolStats(inputs)
	if len(pools) > 0 {
		secs = append(secs, poolsSection(pools, poolsFrom))
	}
	snaps := heapSnapshots(inputs)
	if len(snaps) == 0 {
		return secs, nil, nil
	}
	var (
		h        *heap.HeapReport
		err      error
		note     string
		from, to time.Time // the diff's window, zero for one snapshot
	)
	if len(snaps) >= 2 {
		first, last := snaps[0], snaps[len(snaps)-1]
		var elapsed time.Duration
		if (first.profile().TimeNanos == 0 || last.profile().TimeNanos == 0) && !first.at.IsZero() && last.at.After(first.at) {
			elapsed = last.at.Sub(first.at)
		}
		h, err = heap.DiffHeap(first.profile(), last.profile(), elapsed, heapOptions(aopts))
		if err == nil && first.proc != "" && last.proc != "" && first.proc != last.proc {
			err = fmt.Errorf("captured from different processes (%s, %s)", first.proc, last.proc)
		}
		if err != nil {
			warns = append(warns, fmt.Sprintf("analyzer: heap snapshots %s and %s: %v; analysing %s alone", first.name, last.name, err, last.name))
			h = nil
		} else {
			note = fmt.Sprintf("allocations and in-use growth between %s and %s", first.name, last.name)
			from, to = snapTime(first), snapTime(last)
		}
	}
	if h == nil {
		last := snaps[len(snaps)-1]
		h, err = heap.AnalyzeHeap(last.heap, last.allocs, heapOptions(aopts))
		if err != nil {
			return secs, nil, append(warns, fmt.Sprintf("analyzer: %s: %v", last.name, err))
		}
		note = fmt.Sprintf("allocations since process start in %s", last.name)
	}
	gc, gcFrom := gcContext(inputs, from, to)
	opts := heap.CandidateOptions{Pools: pools}
	cands := heap.Candidates(h, gc, opts)
	hs := heap.Sections(h, cands)
	if len(hs) > 0 {
		hs[0].Notes = append([]string{note}, hs[0].Notes...)
	}
	if len(hs) > 1 {
		if gcFrom != "" {
			hs[1].Notes = append(hs[1].Notes, fmt.Sprintf("GC context from %s: GC CPU share %.1f%%, allocation rate %s/s",
				gcFrom, 100*gc.GCCPUShare, units.Bytes(gc.AllocBytesPerSec)))
		} else {
			hs[1].Notes = append(hs[1].Notes, "no metrics history or gctrace log: GC CPU saved is unknown, shares of allocated bytes only")
		}
	}
	return append(hs, secs...), heap.Findings(h, gc, opts), warns
}

// poolsSection lists the instrumented pools with their counters.
func poolsSection(pools []bundle.PoolStats, from string) report.Section {
	t := report.Table{Columns: []string{"pool", "gets", "misses (new)", "puts", "dropped", "hit rate", "constructor"}}
	for _, p := range pools {
		hit := "-"
		if p.Gets > 0 {
			hit = fmt.Sprintf("%.1f%%", 100*p.HitRate())
		}
		ctor := p.NewFunc
		if ctor == "" {
			ctor = "-"
		}
		t.Rows = append(t.Rows, []string{p.Name, fmt.Sprint(p.Gets), fmt.Sprint(p.News), fmt.Sprint(p.Puts), fmt.Sprint(p.Drops), hit, symbol.ShortFunc(ctor)})
	}
	return report.Section{
		ID:     SectionPools,
		Title:  "Instrumented pools",
		Notes:  []string{"counters recorded in " + from + " (hit rate = (gets − misses) / gets)"},
		Tables: []report.Table{t},
	}
}
