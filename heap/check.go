package heap

import (
	"fmt"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
)

// The check contract (see report.Result).
var (
	_ report.Result    = (*Result)(nil)
	_ report.CheckList = Checks
)

// Input is what Analyze reads: one heap snapshot (Heap and/or Allocs), or
// two when Before is set, the GC facts that price the pool advice and the
// bundle's instrumented pools. Every field may be nil or zero.
type Input struct {
	// Heap and Allocs are the profiles of the snapshot (both carry all four
	// sample types; either is enough).
	Heap, Allocs *profile.Profile
	// Before is an earlier heap or allocs profile of the same process:
	// Analyze then compares it with the snapshot (DiffHeap) over Elapsed
	// (0: the profiles' own times).
	Before  *profile.Profile
	Elapsed time.Duration
	// Source says what the snapshot is, for the heap section's first note
	// ("allocations since process start in heap.pb.gz").
	Source string
	// GC prices the pool advice; GCSource says where it came from ("" when
	// nothing is known: savings are then shares of allocated bytes only).
	GC       GCContext
	GCSource string
	// Pools are the instrumented pools of the process (from the bundle's
	// manifest) and PoolsSource the input they were recorded in: they link
	// sites to pools and make the "pools" section.
	Pools       []bundle.PoolStats
	PoolsSource string
}

// Options tune Analyze. The zero value is the documented default of each
// field of HeapOptions and CandidateOptions.
type Options struct {
	Heap HeapOptions
	// Pool tunes the pool advice; its Pools field is taken from
	// Input.Pools when empty.
	Pool CandidateOptions
}

// Result is the heap check's analysis: the heap report, the GC facts it was
// priced with, the ranked pool candidates and the verdict on every other
// site, computed once by Analyze.
type Result struct {
	// Heap is the analysed snapshot (or the difference of two); nil when
	// the input had only pools.
	Heap *HeapReport
	// GC is the context the candidates were priced with.
	GC GCContext
	// Candidates are the sites worth pooling, best first (see Candidate).
	Candidates []Candidate

	in Input
	// noted says Sections adds the notes on where the input and the GC
	// facts came from (Analyze; not Advise).
	noted bool
	o     CandidateOptions
	as    []assessment
}

// Analyze analyses the snapshot of in (AnalyzeHeap, or DiffHeap when
// in.Before is set) and evaluates every site for pooling, once. An input
// with neither profile gives a Result with only the pools section. The
// error is that of AnalyzeHeap or DiffHeap; the Result is then nil. Pure.
func Analyze(in Input, opts Options) (*Result, error) {
	o := opts.Pool
	if len(o.Pools) == 0 {
		o.Pools = in.Pools
	}
	r := &Result{GC: in.GC, in: in, noted: true, o: o.withDefaults()}
	var err error
	after := in.Heap
	if after == nil {
		after = in.Allocs
	}
	switch {
	case after == nil:
		return r, nil
	case in.Before != nil:
		r.Heap, err = DiffHeap(in.Before, after, in.Elapsed, opts.Heap)
	default:
		r.Heap, err = AnalyzeHeap(in.Heap, in.Allocs, opts.Heap)
	}
	if err != nil {
		return nil, err
	}
	r.as = evaluate(r.Heap, r.GC, r.o)
	r.Candidates = rank(r.as, r.o)
	return r, nil
}

// Advise is Analyze for a HeapReport made already (by AnalyzeHeap or
// DiffHeap): it prices the pool advice with gc and links sites to
// opts.Pools. Its Sections have no notes on the input and no "pools"
// section (Analyze makes those from its Input).
func Advise(h *HeapReport, gc GCContext, opts CandidateOptions) *Result {
	r := &Result{Heap: h, GC: gc, o: opts.withDefaults()}
	if h != nil {
		r.as = evaluate(h, gc, r.o)
		r.Candidates = rank(r.as, r.o)
	}
	return r
}

// Findings returns the pool advice as report findings: one CheckCandidate
// finding per candidate (in rank order), then the anti-advice
// (CheckAlreadyPooled, CheckRetainedObjects, CheckSizeVaries,
// CheckTinyObjects) and, for a comparison of two snapshots,
// CheckInuseGrowth (largest growth first; such a site gets no
// retained-objects finding as well), each anti-advice group in heap-site
// order. Metrics keys are the Metric* constants.
func (r *Result) Findings() []report.Finding {
	if r == nil || r.Heap == nil {
		return nil
	}
	return findings(r.Heap, r.GC, r.o, r.as, r.Candidates)
}

// Sections returns the "heap-sites" section (totals and the top
// MaxSectionSites sites by allocated bytes), the "pool-candidates" section
// when there are candidates, and the "pools" section when the input
// recorded instrumented pools.
func (r *Result) Sections() []report.Section {
	if r == nil {
		return nil
	}
	out := sections(r.Heap, r.Candidates)
	if len(out) > 0 && r.in.Source != "" {
		out[0].Notes = append([]string{r.in.Source}, out[0].Notes...)
	}
	if len(out) > 1 && r.noted {
		if r.in.GCSource != "" {
			out[1].Notes = append(out[1].Notes, fmt.Sprintf("GC context from %s: GC CPU share %.1f%%, allocation rate %s/s",
				r.in.GCSource, 100*r.GC.GCCPUShare, units.Bytes(r.GC.AllocBytesPerSec)))
		} else {
			out[1].Notes = append(out[1].Notes, "no metrics history or gctrace log: GC CPU saved is unknown, shares of allocated bytes only")
		}
	}
	if len(r.in.Pools) > 0 {
		out = append(out, poolsSection(r.in.Pools, r.in.PoolsSource))
	}
	return out
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
	note := "hit rate = (gets − misses) / gets"
	if from != "" {
		note = "counters recorded in " + from + " (" + note + ")"
	}
	return report.Section{ID: SectionPools, Title: "Instrumented pools", Notes: []string{note}, Tables: []report.Table{t}}
}
