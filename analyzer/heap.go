package analyzer

import (
	"fmt"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/internal/symbol"
)

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
// snapshot taken during a capture always shows its buffers, and one taken
// while the leak watch runs its parser, which are not the service's.
func heapOptions(opts Options) heap.HeapOptions {
	return heap.HeapOptions{IgnorePackages: symbol.CollectorPackages, MainModules: opts.MainModules}
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

// gcContext prices pool advice from the last input with a metrics history,
// else from the last gctrace log, with the one GC analysis of that input
// (gcFacts). When from and to are set (the times of two heap snapshots being
// compared) and the history covers them, only that stretch of it is used
// (heap.GCContextFromMetrics over the window: GC CPU over busy CPU, the
// allocation rate), so that the GC figures and the allocation shares
// describe the same load. The string says where the numbers came from; ""
// when nothing is known.
func gcContext(inputs []*Input, gcf *gcFacts, opts Options, from, to time.Time) (heap.GCContext, string) {
	for i := len(inputs) - 1; i >= 0; i-- {
		in := inputs[i]
		if in == nil || in.Metrics == nil || len(in.Metrics.Samples) < 2 {
			continue
		}
		if w := window(in.Metrics, from, to); !from.IsZero() && w != nil {
			gc := heap.GCContextFromMetrics(w.Samples)
			if gc == (heap.GCContext{}) {
				continue
			}
			return gc, fmt.Sprintf("the metrics history of %s between the heap snapshots (%d samples)", in.Name, len(w.Samples))
		}
		gc := heap.GCContextFromMetrics(in.Metrics.Samples)
		if r := gcf.of(in, opts.GC).res; r != nil && r.ShareBasis == gctune.ShareBusy {
			// gctune's share leaves out the start-up ramp.
			gc.GCCPUShare = r.GCCPUShare
			if r.AllocBytesPerSec > 0 {
				gc.AllocBytesPerSec = r.AllocBytesPerSec
			}
		}
		if gc == (heap.GCContext{}) {
			continue
		}
		return gc, "the metrics history of " + in.Name
	}
	for i := len(inputs) - 1; i >= 0; i-- {
		in := inputs[i]
		if in == nil || len(in.GCTrace) == 0 {
			continue
		}
		// Parse problems are the gctune check's to report.
		r := gcf.of(in, opts.GC).res
		if r == nil || !r.HasTrace {
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

// heapCheck runs the heap check: a comparison of the first and the last heap
// snapshot when there are two or more (falling back to the last one alone
// when they cannot be compared), else the one snapshot, priced with the GC
// context of the inputs and linked to the bundle's instrumented pools. The
// result is nil when there is neither a heap snapshot nor a pool.
func heapCheck(inputs []*Input, gcf *gcFacts, opts Options) (*heap.Result, []string) {
	var warns []string
	in := heap.Input{}
	in.Pools, in.PoolsSource = poolStats(inputs)
	hopts := heap.Options{Heap: heapOptions(opts)}
	snaps := heapSnapshots(inputs)
	if len(snaps) >= 2 {
		first, last := snaps[0], snaps[len(snaps)-1]
		din := in
		din.Before, din.Heap, din.Allocs = first.profile(), last.profile(), nil
		if (first.profile().TimeNanos == 0 || last.profile().TimeNanos == 0) && !first.at.IsZero() && last.at.After(first.at) {
			din.Elapsed = last.at.Sub(first.at)
		}
		din.Source = fmt.Sprintf("allocations and in-use growth between %s and %s", first.name, last.name)
		din.GC, din.GCSource = gcContext(inputs, gcf, opts, snapTime(first), snapTime(last))
		var err error
		if first.proc != "" && last.proc != "" && first.proc != last.proc {
			err = fmt.Errorf("captured from different processes (%s, %s)", first.proc, last.proc)
		}
		if err == nil {
			var res *heap.Result
			if res, err = heap.Analyze(din, hopts); err == nil {
				return res, warns
			}
		}
		warns = append(warns, fmt.Sprintf("analyzer: heap snapshots %s and %s: %v; analysing %s alone", first.name, last.name, err, last.name))
	}
	if len(snaps) > 0 {
		last := snaps[len(snaps)-1]
		in.Heap, in.Allocs = last.heap, last.allocs
		in.Source = fmt.Sprintf("allocations since process start in %s", last.name)
	}
	if in.Heap == nil && in.Allocs == nil && len(in.Pools) == 0 {
		return nil, warns
	}
	in.GC, in.GCSource = gcContext(inputs, gcf, opts, time.Time{}, time.Time{})
	res, err := heap.Analyze(in, hopts)
	if err != nil {
		last := snaps[len(snaps)-1]
		warns = append(warns, fmt.Sprintf("analyzer: %s: %v", last.name, err))
		// The pools section stands without the profile.
		in.Heap, in.Allocs, in.Source = nil, nil, ""
		res, _ = heap.Analyze(in, hopts)
	}
	return res, warns
}
