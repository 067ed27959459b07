package collector

import (
	"math"
	"runtime/metrics"
	"sync"
	"time"
	"unsafe"

	"github.com/gdiag/gdiag/bundle"
)

// sampleBytes is the in-memory size of one ring slot.
const sampleBytes = int64(unsafe.Sizeof(bundle.MetricsSample{}))

// ringCapacity is the number of samples that cover history at interval.
func ringCapacity(history, interval time.Duration) int {
	n := int(history / interval)
	if history%interval != 0 {
		n++
	}
	return max(n, 1)
}

// field copies one runtime/metrics value into a sample.
type field struct {
	key string
	set func(s *bundle.MetricsSample, v metrics.Value)
}

func u64(dst func(*bundle.MetricsSample) *uint64) func(*bundle.MetricsSample, metrics.Value) {
	return func(s *bundle.MetricsSample, v metrics.Value) {
		if v.Kind() == metrics.KindUint64 {
			*dst(s) = v.Uint64()
		}
	}
}

func i64(dst func(*bundle.MetricsSample) *int64) func(*bundle.MetricsSample, metrics.Value) {
	return func(s *bundle.MetricsSample, v metrics.Value) {
		if v.Kind() == metrics.KindUint64 {
			// GOMEMLIMIT is at most math.MaxInt64; GOGC -1 (off) reads
			// as the uint64 image of -1.
			*dst(s) = int64(v.Uint64())
		}
	}
}

func f64(dst func(*bundle.MetricsSample) *float64) func(*bundle.MetricsSample, metrics.Value) {
	return func(s *bundle.MetricsSample, v metrics.Value) {
		switch v.Kind() {
		case metrics.KindFloat64:
			*dst(s) = v.Float64()
		case metrics.KindUint64:
			*dst(s) = float64(v.Uint64())
		}
	}
}

// scalarFields lists every scalar metric of a sample with where it goes.
func scalarFields() []field {
	type S = bundle.MetricsSample
	return []field{
		{keyGCCycles, u64(func(s *S) *uint64 { return &s.GCCycles })},
		{keyGCCyclesForced, u64(func(s *S) *uint64 { return &s.GCCyclesForced })},
		{keyHeapAllocBytes, u64(func(s *S) *uint64 { return &s.HeapAllocBytes })},
		{keyHeapAllocObjects, u64(func(s *S) *uint64 { return &s.HeapAllocObjects })},
		{keyHeapFreeBytes, u64(func(s *S) *uint64 { return &s.HeapFreedBytes })},
		{keyCPUTotal, f64(func(s *S) *float64 { return &s.CPUTotalSeconds })},
		{keyCPUUser, f64(func(s *S) *float64 { return &s.CPUUserSeconds })},
		{keyCPUIdle, f64(func(s *S) *float64 { return &s.CPUIdleSeconds })},
		{keyGCAssist, f64(func(s *S) *float64 { return &s.GCAssistSeconds })},
		{keyGCDedicated, f64(func(s *S) *float64 { return &s.GCDedicatedSeconds })},
		{keyGCIdle, f64(func(s *S) *float64 { return &s.GCIdleSeconds })},
		{keyGCPause, f64(func(s *S) *float64 { return &s.GCPauseSeconds })},
		{keyGCTotal, f64(func(s *S) *float64 { return &s.GCTotalSeconds })},
		{keyScavenge, f64(func(s *S) *float64 { return &s.ScavengeSeconds })},
		{keyMutexWait, f64(func(s *S) *float64 { return &s.MutexWaitSeconds })},
		{keyGoroutinesCreated, u64(func(s *S) *uint64 { return &s.GoroutinesCreated })},
		{keyLimiterLast, u64(func(s *S) *uint64 { return &s.LimiterLastCycle })},
		{keyHeapLive, u64(func(s *S) *uint64 { return &s.HeapLiveBytes })},
		{keyHeapGoal, u64(func(s *S) *uint64 { return &s.HeapGoalBytes })},
		{keyHeapObjectsBytes, u64(func(s *S) *uint64 { return &s.HeapObjectsBytes })},
		{keyHeapObjects, u64(func(s *S) *uint64 { return &s.HeapObjects })},
		{keyStackBytes, u64(func(s *S) *uint64 { return &s.StackBytes })},
		{keyScanStack, u64(func(s *S) *uint64 { return &s.ScanStackBytes })},
		{keyScanGlobals, u64(func(s *S) *uint64 { return &s.ScanGlobalsBytes })},
		{keyScanHeap, u64(func(s *S) *uint64 { return &s.ScanHeapBytes })},
		{keyTotalMemory, u64(func(s *S) *uint64 { return &s.TotalMemoryBytes })},
		{keyHeapReleased, u64(func(s *S) *uint64 { return &s.HeapReleasedBytes })},
		{keyHeapFree, u64(func(s *S) *uint64 { return &s.HeapFreeMemBytes })},
		{keyGOGC, i64(func(s *S) *int64 { return &s.GOGC })},
		{keyGOMEMLIMIT, i64(func(s *S) *int64 { return &s.GOMEMLIMIT })},
		{keyGOMAXPROCS, i64(func(s *S) *int64 { return &s.GOMAXPROCS })},
		{keyGoroutines, u64(func(s *S) *uint64 { return &s.Goroutines })},
		{keyGoroutinesRunning, u64(func(s *S) *uint64 { return &s.GoroutinesRunning })},
		{keyGoroutinesRunable, u64(func(s *S) *uint64 { return &s.GoroutinesRunnable })},
		{keyGoroutinesWaiting, u64(func(s *S) *uint64 { return &s.GoroutinesWaiting })},
		{keyGoroutinesNotInGo, u64(func(s *S) *uint64 { return &s.GoroutinesNotInGo })},
		{keyThreads, u64(func(s *S) *uint64 { return &s.Threads })},
	}
}

// histSummary is a histogram summarised over one interval.
type histSummary struct {
	p50, p99, max float64
	count         uint64
}

// histDelta remembers the previous counts of one histogram metric so that
// each interval is summarised on its own.
type histDelta struct {
	prev  []uint64
	delta []uint64
	ready bool
}

// update summarises the events between the previous read and h, then
// remembers h. The first call only remembers. It allocates only when the
// bucket count changes.
func (d *histDelta) update(h *metrics.Float64Histogram) histSummary {
	if h == nil {
		return histSummary{}
	}
	if len(d.prev) != len(h.Counts) {
		d.prev = make([]uint64, len(h.Counts))
		d.delta = make([]uint64, len(h.Counts))
		d.ready = false
	}
	var sum histSummary
	if d.ready {
		for i, c := range h.Counts {
			if c >= d.prev[i] {
				d.delta[i] = c - d.prev[i]
			} else {
				d.delta[i] = 0
			}
			sum.count += d.delta[i]
		}
		if sum.count > 0 {
			sum.p50 = quantile(d.delta, h.Buckets, sum.count, 0.50)
			sum.p99 = quantile(d.delta, h.Buckets, sum.count, 0.99)
			sum.max = quantile(d.delta, h.Buckets, sum.count, 1)
		}
	}
	copy(d.prev, h.Counts)
	d.ready = true
	return sum
}

// quantile returns the upper bound of the bucket holding quantile q of the
// counts (the lower bound for the open-ended last bucket). Buckets has one
// more element than counts.
func quantile(counts []uint64, buckets []float64, total uint64, q float64) float64 {
	rank := uint64(math.Ceil(q * float64(total)))
	rank = max(rank, 1)
	var cum uint64
	for i, c := range counts {
		cum += c
		if cum >= rank {
			if hi := buckets[i+1]; !math.IsInf(hi, 1) {
				return hi
			}
			return max(buckets[i], 0)
		}
	}
	return 0
}

// sampler reads runtime/metrics into MetricsSamples, reusing one
// []metrics.Sample. It is not safe for concurrent use.
type sampler struct {
	fields  []field
	samples []metrics.Sample // scalars, then the two histograms
	pauses  histDelta
	lat     histDelta
	cur     bundle.MetricsSample // scratch, so that reads do not allocate
}

func newSampler() *sampler {
	fs := scalarFields()
	s := &sampler{fields: fs, samples: make([]metrics.Sample, len(fs)+2)}
	for i, f := range fs {
		s.samples[i].Name = f.key
	}
	s.samples[len(fs)].Name = keyGCPauses
	s.samples[len(fs)+1].Name = keySchedLatencies
	return s
}

// read takes one sample stamped now.
func (s *sampler) read(now time.Time) bundle.MetricsSample {
	metrics.Read(s.samples)
	s.cur = bundle.MetricsSample{Time: now}
	out := &s.cur
	for i, f := range s.fields {
		f.set(out, s.samples[i].Value)
	}
	n := len(s.fields)
	if v := s.samples[n].Value; v.Kind() == metrics.KindFloat64Histogram {
		h := s.pauses.update(v.Float64Histogram())
		out.GCPauseP50, out.GCPauseP99, out.GCPauseMax, out.GCPauses = h.p50, h.p99, h.max, h.count
	}
	if v := s.samples[n+1].Value; v.Kind() == metrics.KindFloat64Histogram {
		h := s.lat.update(v.Float64Histogram())
		out.SchedLatP50, out.SchedLatP99, out.SchedLatMax = h.p50, h.p99, h.max
	}
	return *out
}

// memBytes is the memory the sampler holds between reads.
func (s *sampler) memBytes() int64 {
	n := int64(unsafe.Sizeof(*s)) + int64(len(s.samples))*int64(unsafe.Sizeof(metrics.Sample{})) + int64(len(s.fields))*int64(unsafe.Sizeof(field{}))
	n += int64(len(s.pauses.prev)+len(s.pauses.delta)+len(s.lat.prev)+len(s.lat.delta)) * 8
	return n
}

// ring is a fixed-size ring of samples, safe for concurrent use.
type ring struct {
	mu   sync.Mutex
	buf  []bundle.MetricsSample
	next int
	n    int
}

func newRing(capacity int) *ring { return &ring{buf: make([]bundle.MetricsSample, capacity)} }

func (r *ring) push(s bundle.MetricsSample) {
	r.mu.Lock()
	r.buf[r.next] = s
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
	r.mu.Unlock()
}

// since copies the samples taken at or after t, oldest first; a zero t
// copies all of them.
func (r *ring) since(t time.Time) []bundle.MetricsSample {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]bundle.MetricsSample, 0, r.n)
	start := (r.next - r.n + len(r.buf)) % len(r.buf)
	for i := range r.n {
		s := r.buf[(start+i)%len(r.buf)]
		if t.IsZero() || !s.Time.Before(t) {
			out = append(out, s)
		}
	}
	return out
}

// last returns the newest sample and the one before it; ok2 reports whether
// the previous one exists.
func (r *ring) last() (cur, prev bundle.MetricsSample, ok, ok2 bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return
	}
	cur, ok = r.buf[(r.next-1+len(r.buf))%len(r.buf)], true
	if r.n > 1 {
		prev, ok2 = r.buf[(r.next-2+len(r.buf))%len(r.buf)], true
	}
	return
}

// gcCPUPercent is the share of CPU time the GC used between two samples,
// in percent of the total CPU time available to the Go runtime.
func gcCPUPercent(prev, cur bundle.MetricsSample) float64 {
	total := cur.CPUTotalSeconds - prev.CPUTotalSeconds
	if total <= 0 {
		return 0
	}
	return 100 * (cur.GCTotalSeconds - prev.GCTotalSeconds) / total
}
