package collector

import (
	"testing"
	"time"
)

// BenchmarkSample measures what the idle collector does once per metrics
// interval: one runtime/metrics read into a sample and a push into the
// ring. idle-cpu-% is that cost as a share of one core at the default
// 1 s interval.
//
//	go test -run '^$' -bench Sample ./collector/
func BenchmarkSample(b *testing.B) {
	s := newSampler()
	r := newRing(ringCapacity(DefaultHistory, DefaultMetricsInterval))
	b.ReportAllocs()
	for b.Loop() {
		r.push(s.read(time.Now()))
	}
	perOp := float64(b.Elapsed()) / float64(b.N)
	b.ReportMetric(100*perOp/float64(DefaultMetricsInterval), "idle-cpu-%")
}
