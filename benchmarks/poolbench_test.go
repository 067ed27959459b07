package benchmarks

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"testing"
)

var (
	poolRequests = flag.Int("gdiag.pool-requests", 8000, "BenchmarkPoolAdvice: requests per measured run")
	poolSessions = flag.Int("gdiag.pool-sessions", 10000, "BenchmarkPoolAdvice: fixture sessions (live heap, about 1 KiB each)")
)

// poolRun is one measured run of the fixture: heap bytes allocated per
// request and the GC share of the process's busy CPU, both from the fixture
// process's runtime/metrics.
type poolRun struct {
	allocPerReq float64 // /gc/heap/allocs:bytes ÷ requests
	gcShare     float64 // /cpu/classes/gc/total ÷ (/cpu/classes/total − idle)
	cycles      uint64
	requests    int
}

// measure runs n requests (after a warm-up in the same mode) and reads the
// counters around them. The CPU classes advance at every GC stop-the-world,
// so the CPU window runs from the last cycle before the run to the last one
// in it; the warm-up makes the part before the run the same mode.
func (f *fixtureProc) measure(tb testing.TB, n int) poolRun {
	tb.Helper()
	f.load(tb, n/4)
	c0 := f.counters(tb)
	res := f.load(tb, n)
	c1 := f.counters(tb)
	busy := (c1.CPUTotal - c1.CPUIdle) - (c0.CPUTotal - c0.CPUIdle)
	return poolRun{
		allocPerReq: float64(c1.AllocBytes-c0.AllocBytes) / float64(res.Requests),
		gcShare:     (c1.CPUGC - c0.CPUGC) / busy,
		cycles:      c1.GCCycles - c0.GCCycles,
		requests:    res.Requests,
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkPoolAdvice validates the pool advice numerically on the fixture.
//
// It starts the fixture (cmd/poolserve) with the alloc-churn fault and a
// steady live heap, drives unpooled load, captures two real bundles and
// analyses them as `gdiag analyze first.gdiag second.gdiag` does. The top
// candidate must be newItemsBuffer; the advice predicts, for pooling the
// fixture's churn sites (newItemsBuffer and newReceiptScratch, the sites
// Config.UsePool pools), the share of allocated bytes removed and the GC
// CPU share saved. Then every iteration measures one unpooled and one pooled
// run of the same fixed number of requests (alternating which goes first)
// from the fixture's runtime/metrics, and the medians over the iterations
// must match both predictions within 25%.
//
//	go test -run '^$' -bench BenchmarkPoolAdvice -benchtime 11x
func BenchmarkPoolAdvice(b *testing.B) {
	f := startFixture(b, "alloc-churn", "-sessions", fmt.Sprint(*poolSessions))
	n := *poolRequests

	// The advice, from real bundles of the unpooled fixture under load: the
	// window between them (profiles and metrics history) covers 3n requests.
	f.load(b, n)
	first := f.bundle(b, "advice-first")
	f.load(b, 3*n)
	second := f.bundle(b, "advice-second")
	r := analyze(b, first, second)
	cs := candidates(r)
	if len(cs) == 0 || cs[0].Function != siteItems {
		b.Fatalf("top candidate is not %s:%s", siteItems, describeCandidates(cs))
	}
	var predRemoved, predSaved float64
	for _, c := range cs {
		if c.Function == siteItems || c.Function == siteReceipts {
			predRemoved += c.Metrics["removed_share"]
			predSaved += c.Metrics["gc_cpu_share_saved"]
		}
	}
	b.Logf("advice:%s", describeCandidates(cs))

	var (
		before, after         []poolRun
		allocCut, gcShareDrop []float64
	)
	for i := 0; b.Loop(); i++ {
		var off, on poolRun
		for k := range 2 {
			pooled := (i+k)%2 == 1
			f.setPool(b, pooled)
			if pooled {
				on = f.measure(b, n)
			} else {
				off = f.measure(b, n)
			}
		}
		before, after = append(before, off), append(after, on)
		allocCut = append(allocCut, 1-on.allocPerReq/off.allocPerReq)
		gcShareDrop = append(gcShareDrop, off.gcShare-on.gcShare)
		b.Logf("pair %d: unpooled %.0f B/req, GC %.1f%% (%d cycles); pooled %.0f B/req, GC %.1f%% (%d cycles)",
			i+1, off.allocPerReq, 100*off.gcShare, off.cycles, on.allocPerReq, 100*on.gcShare, on.cycles)
	}
	med := func(rs []poolRun, f func(poolRun) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	measCut, measDrop := median(allocCut), median(gcShareDrop)
	b.ReportMetric(med(before, func(r poolRun) float64 { return r.allocPerReq }), "B/req-unpooled")
	b.ReportMetric(med(after, func(r poolRun) float64 { return r.allocPerReq }), "B/req-pooled")
	b.ReportMetric(100*med(before, func(r poolRun) float64 { return r.gcShare }), "gc%-unpooled")
	b.ReportMetric(100*med(after, func(r poolRun) float64 { return r.gcShare }), "gc%-pooled")
	b.ReportMetric(100*predRemoved, "alloc-cut%-predicted")
	b.ReportMetric(100*measCut, "alloc-cut%-measured")
	b.ReportMetric(100*predSaved, "gc-pp-saved-predicted")
	b.ReportMetric(100*measDrop, "gc-pp-saved-measured")
	b.Logf("allocated bytes per request: predicted −%.1f%%, measured −%.1f%% (median of %d pairs)", 100*predRemoved, 100*measCut, len(allocCut))
	b.Logf("GC CPU share: predicted −%.2f points, measured −%.2f points", 100*predSaved, 100*measDrop)
	if e := math.Abs(measCut-predRemoved) / predRemoved; e > 0.25 {
		b.Errorf("allocated bytes per request fell by %.1f%%, predicted %.1f%%: off by %.0f%% (> 25%%)", 100*measCut, 100*predRemoved, 100*e)
	}
	if e := math.Abs(measDrop-predSaved) / predSaved; e > 0.25 {
		b.Errorf("GC CPU share fell by %.2f points, predicted %.2f: off by %.0f%% (> 25%%)", 100*measDrop, 100*predSaved, 100*e)
	}
}
