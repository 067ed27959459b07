package pool

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkPool compares a Get/Put pair on Pool[*bytes.Buffer] with the same
// pair on a raw sync.Pool, serially and spread over GOMAXPROCS goroutines.
// Both are timed with the same harness in the same benchmark, and the ratio
// typed/raw is reported as "x-raw" (1.00 = no overhead).
func BenchmarkPool(b *testing.B) {
	newBuf := func() *bytes.Buffer { return bytes.NewBuffer(make([]byte, 0, 1024)) }
	for _, tc := range []struct {
		name  string
		procs int
	}{{"serial", 1}, {"parallel", runtime.GOMAXPROCS(0)}} {
		b.Run(tc.name, func(b *testing.B) {
			raw := &sync.Pool{New: func() any { return newBuf() }}
			p, err := New("bench", newBuf, WithReset((*bytes.Buffer).Reset),
				WithMaxSize((*bytes.Buffer).Cap, 64<<10))
			if err != nil {
				b.Fatal(err)
			}
			rawOp := func() {
				x := raw.Get().(*bytes.Buffer)
				x.WriteByte(1)
				if x.Cap() <= 64<<10 {
					x.Reset()
					raw.Put(x)
				}
			}
			typedOp := func() { x := p.Get(); x.WriteByte(1); p.Put(x) }
			b.ReportAllocs()
			var rawT, typedT time.Duration
			for b.Loop() {
				// Alternate in chunks so both see the same machine state.
				rawT += spread(tc.procs, 1000, rawOp)
				typedT += spread(tc.procs, 1000, typedOp)
			}
			b.ReportMetric(float64(typedT)/float64(rawT), "x-raw")
			b.ReportMetric(float64(typedT.Nanoseconds())/float64(b.N*1000), "typed-ns/op")
			b.ReportMetric(float64(rawT.Nanoseconds())/float64(b.N*1000), "raw-ns/op")
		})
	}
}

// spread runs op n times in total over procs goroutines and returns the
// elapsed time.
func spread(procs, n int, op func()) time.Duration {
	start := time.Now()
	if procs == 1 {
		for range n {
			op()
		}
		return time.Since(start)
	}
	var wg sync.WaitGroup
	for range procs {
		wg.Go(func() {
			for range n / procs {
				op()
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
