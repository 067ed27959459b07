package collector

import (
	"math"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/gdiag/gdiag/bundle"
)

// TestRingBudget proves the default ring covers at least 10 minutes in at
// most 1 MiB, sampler state included.
func TestRingBudget(t *testing.T) {
	n := ringCapacity(DefaultHistory, DefaultMetricsInterval)
	r := newRing(n)
	ringBytes := int64(unsafe.Sizeof(*r)) + int64(len(r.buf))*int64(unsafe.Sizeof(bundle.MetricsSample{}))
	s := newSampler()
	s.read(time.Now())
	s.read(time.Now())
	total := ringBytes + s.memBytes()
	covers := time.Duration(n) * DefaultMetricsInterval
	t.Logf("ring: %d samples × %d B = %d B (+%d B sampler) covering %v", n, sampleBytes, ringBytes, s.memBytes(), covers)
	if covers < 10*time.Minute {
		t.Errorf("default ring covers %v, want ≥ 10 min", covers)
	}
	if total > 1<<20 {
		t.Errorf("default ring and sampler hold %d bytes, want ≤ 1 MiB", total)
	}
}

func TestRingCapacity(t *testing.T) {
	tests := []struct {
		name              string
		history, interval time.Duration
		want              int
	}{
		{"exact", 10 * time.Minute, time.Second, 600},
		{"round up", 1500 * time.Millisecond, time.Second, 2},
		{"at least one", time.Second, time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ringCapacity(tt.history, tt.interval); got != tt.want {
				t.Errorf("ringCapacity(%v, %v) = %d, want %d", tt.history, tt.interval, got, tt.want)
			}
		})
	}
}

func TestRingWraps(t *testing.T) {
	r := newRing(3)
	base := time.Unix(1000, 0)
	for i := range 5 {
		r.push(bundle.MetricsSample{Time: base.Add(time.Duration(i) * time.Second), Goroutines: uint64(i)})
	}
	got := r.since(time.Time{})
	if len(got) != 3 || got[0].Goroutines != 2 || got[2].Goroutines != 4 {
		t.Fatalf("since(zero) = %+v, want samples 2,3,4 oldest first", got)
	}
	if got := r.since(base.Add(3 * time.Second)); len(got) != 2 || got[0].Goroutines != 3 {
		t.Errorf("since(3s) = %+v, want samples 3,4", got)
	}
	cur, prev, ok, ok2 := r.last()
	if !ok || !ok2 || cur.Goroutines != 4 || prev.Goroutines != 3 {
		t.Errorf("last = %v %v %v %v", cur.Goroutines, prev.Goroutines, ok, ok2)
	}
}

func TestQuantile(t *testing.T) {
	buckets := []float64{math.Inf(-1), 0.001, 0.01, 0.1, math.Inf(1)}
	tests := []struct {
		name   string
		counts []uint64
		q      float64
		want   float64
	}{
		{"median in second bucket", []uint64{0, 3, 1, 0}, 0.5, 0.01},
		{"p99 in third", []uint64{0, 3, 0, 1}, 0.99, 0.1},
		{"max is the upper bound", []uint64{0, 1, 0, 0}, 1, 0.01},
		{"open last bucket", []uint64{0, 0, 0, 2}, 1, 0.1},
		{"lowest open bucket clamps at 0", []uint64{5, 0, 0, 0}, 0.5, 0.001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total uint64
			for _, c := range tt.counts {
				total += c
			}
			if got := quantile(tt.counts, buckets, total, tt.q); got != tt.want {
				t.Errorf("quantile = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSamplerRealGC reads real runtime/metrics around forced GC cycles.
func TestSamplerRealGC(t *testing.T) {
	s := newSampler()
	first := s.read(time.Now())
	if first.GCPauses != 0 {
		t.Errorf("first read summarised %d pauses, want 0 (no previous read)", first.GCPauses)
	}
	runtime.GC()
	runtime.GC()
	got := s.read(time.Now())
	if got.GCCycles < first.GCCycles+2 || got.GCCyclesForced < first.GCCyclesForced+2 {
		t.Errorf("gc cycles %d→%d forced %d→%d, want +2", first.GCCycles, got.GCCycles, first.GCCyclesForced, got.GCCyclesForced)
	}
	// Each GC cycle has two stop-the-world pauses.
	if got.GCPauses < 4 || got.GCPauseMax <= 0 || got.GCPauseP50 > got.GCPauseMax {
		t.Errorf("pause summary: n=%d p50=%v p99=%v max=%v", got.GCPauses, got.GCPauseP50, got.GCPauseP99, got.GCPauseMax)
	}
	if got.Goroutines == 0 || got.HeapGoalBytes == 0 || got.GOMAXPROCS != int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("gauges: goroutines=%d heap goal=%d gomaxprocs=%d", got.Goroutines, got.HeapGoalBytes, got.GOMAXPROCS)
	}
	if got.GOGC == 0 {
		t.Errorf("GOGC read as %d", got.GOGC)
	}
	allocs := testing.AllocsPerRun(20, func() { s.read(time.Now()) })
	t.Logf("allocs per sample: %v", allocs)
	if allocs > 0 {
		t.Errorf("read allocates %v times per sample, want 0 (one reused sample slice)", allocs)
	}
}

func TestGCCPUPercent(t *testing.T) {
	tests := []struct {
		name      string
		prev, cur bundle.MetricsSample
		want      float64
	}{
		{"quarter", bundle.MetricsSample{CPUTotalSeconds: 10, GCTotalSeconds: 1}, bundle.MetricsSample{CPUTotalSeconds: 14, GCTotalSeconds: 2}, 25},
		{"no cpu time", bundle.MetricsSample{CPUTotalSeconds: 10}, bundle.MetricsSample{CPUTotalSeconds: 10}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gcCPUPercent(tt.prev, tt.cur); got != tt.want {
				t.Errorf("gcCPUPercent = %v, want %v", got, tt.want)
			}
		})
	}
}
