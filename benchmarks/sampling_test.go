package benchmarks

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/fixtures/flashsale"
)

// BenchmarkContentionSampling measures what block and mutex sampling cost
// the flash-sale fixture under the same closed-loop load as
// BenchmarkCollectorOverhead: each round runs an idle collector without
// sampling (the baseline), one with collector.WithMutexProfileFraction(
// 100, SampleAlways), one with WithBlockProfileRate(10µs, SampleAlways) and
// one with every event sampled (block rate 1, mutex fraction 1), in a
// rotating order; the ratios are medians over rounds against the
// baseline of the same round.
//
//	go test -run '^$' -bench ContentionSampling -benchtime 5x
func BenchmarkContentionSampling(b *testing.B) {
	s := startOverheadServer(b)
	variants := []overheadVariant{
		{name: "base", opts: []collector.Option{}},
		{name: "mutex100", opts: []collector.Option{collector.WithMutexProfileFraction(100, collector.SampleAlways)}},
		{name: "block10us", opts: []collector.Option{collector.WithBlockProfileRate(int(10*time.Microsecond), collector.SampleAlways)}},
		{name: "all", opts: []collector.Option{collector.WithBlockProfileRate(1, collector.SampleAlways), collector.WithMutexProfileFraction(1, collector.SampleAlways)}},
	}
	if _, err := flashsale.Load(context.Background(), s.base, flashsale.Shape{Steady: 500 * time.Millisecond, Concurrency: 8}); err != nil {
		b.Fatal(err)
	}
	ratios := map[string][]float64{}
	round := 0
	for b.Loop() {
		runs := make(map[string]overheadRun, len(variants))
		for i := range variants {
			v := variants[(i+round)%len(variants)]
			runs[v.name] = s.run(b, v)
			if runtime.SetMutexProfileFraction(-1) != 0 {
				b.Fatalf("%s: mutex sampling not restored by Close", v.name)
			}
		}
		base := runs["base"]
		for _, v := range variants[1:] {
			r := runs[v.name]
			ratios[v.name+"-tput"] = append(ratios[v.name+"-tput"], r.tput/base.tput)
			ratios[v.name+"-cpu-per-req"] = append(ratios[v.name+"-cpu-per-req"], float64(r.cpuPerReq)/float64(base.cpuPerReq))
			ratios[v.name+"-p99"] = append(ratios[v.name+"-p99"], float64(r.p99)/float64(base.p99))
		}
		b.Logf("round %d: %s", round, describeRuns(variants, runs))
		round++
	}
	for k, xs := range ratios {
		b.ReportMetric(medianOf(xs), k+"-ratio")
	}
}
