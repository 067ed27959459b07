package benchmarks

import (
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/gdiag/gdiag/collector/leakwatch"
)

// parkedService holds n goroutines parked the way a busy service's are:
// spread over 20 sites (channel receives, selects, mutex waits, condition
// waits) at call depths from 3 to 12, so the profile has a realistic
// number of distinct stacks.
type parkedService struct {
	stop chan struct{}
	mu   sync.Mutex
	wg   sync.WaitGroup
}

func parkAt(depth, kind int, stop chan struct{}, mu *sync.Mutex) {
	if depth > 0 {
		parkAt(depth-1, kind, stop, mu)
		return
	}
	switch kind % 3 {
	case 0:
		<-stop
	case 1:
		t := time.NewTimer(time.Hour)
		defer t.Stop()
		select {
		case <-stop:
		case <-t.C:
		}
	default:
		mu.Lock()
		mu.Unlock() //nolint:staticcheck // an empty critical section is the point: park on the lock
	}
}

func startParked(n int) *parkedService {
	s := &parkedService{stop: make(chan struct{})}
	s.mu.Lock() // kind 2 waits on the lock until stop
	for i := range n {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			parkAt(3+i%10, i%20, s.stop, &s.mu)
		}()
	}
	// Wait until they are parked: the goroutine count is reached and the
	// scheduler has run them.
	for runtime.NumGoroutine() < n {
		runtime.Gosched()
	}
	time.Sleep(50 * time.Millisecond)
	return s
}

func (s *parkedService) close() {
	close(s.stop)
	s.mu.Unlock()
	s.wg.Wait()
}

var watchSizes = []int{1_000, 10_000, 100_000}

// BenchmarkLeakWatchStep measures one step of the live leak watch (take the
// goroutine profile, parse it, judge every site over a full history of 12
// snapshots) against the bare cost of writing the goroutine profile in the
// same run. Metrics: ms/step; step/profile, the ratio to the bare profile;
// core-%-at-30s, the share of one core at the default 30 s interval (the
// target is ≤ 1% at 10k goroutines); retained-KiB, the heap the watch
// keeps between steps.
func BenchmarkLeakWatchStep(b *testing.B) {
	for _, n := range watchSizes {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			s := startParked(n)
			defer s.close()
			now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
			w, err := leakwatch.New(leakwatch.Options{Now: func() time.Time { return now }, LeakInterval: -1, Budget: 1})
			if err != nil {
				b.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range leakwatch.DefaultSnapshots { // fill the history
				w.Step()
				now = now.Add(leakwatch.DefaultInterval)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			// Baseline, measured in the same run over as many rounds: the
			// goroutine profile alone, written and thrown away.
			// CPU time of the process (user + system: GC workers
			// included), not wall time, which a busy machine inflates.
			c0 := cpuTime(b)
			for range b.N {
				if err := pprof.Lookup("goroutine").WriteTo(io.Discard, 0); err != nil {
					b.Fatal(err)
				}
			}
			prof := (cpuTime(b) - c0) / time.Duration(b.N)
			b.ResetTimer()
			c0 = cpuTime(b)
			for range b.N {
				w.Step()
				now = now.Add(leakwatch.DefaultInterval)
			}
			step := (cpuTime(b) - c0) / time.Duration(b.N)
			b.StopTimer()
			if st := w.State(); st.Stats.SkippedSnapshots > 0 || st.Goroutines < n {
				b.Fatalf("steps skipped or goroutines missing: %+v, %d judged", st.Stats, st.Goroutines)
			}
			b.ReportMetric(float64(step)/1e6, "cpu-ms/step")
			b.ReportMetric(float64(step)/float64(prof), "step/profile")
			b.ReportMetric(100*step.Seconds()/leakwatch.DefaultInterval.Seconds(), "core-%-at-30s")
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024, "retained-KiB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkGoroutineLeakProfile measures the runtime's goroutineleak
// profile (one GC cycle with leak detection, then the profile) against a
// plain runtime.GC in the same run, at each size. It needs Go 1.27 (or
// 1.26 with GOEXPERIMENT=goroutineleakprofile).
func BenchmarkGoroutineLeakProfile(b *testing.B) {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		b.Skipf("%s has no goroutineleak profile: run with GOTOOLCHAIN=go1.27.3", runtime.Version())
	}
	for _, n := range watchSizes {
		b.Run(fmt.Sprintf("goroutines=%d", n), func(b *testing.B) {
			s := startParked(n)
			defer s.close()
			c0 := cpuTime(b)
			for range b.N {
				runtime.GC()
			}
			gc := (cpuTime(b) - c0) / time.Duration(b.N)
			b.ResetTimer()
			c0 = cpuTime(b)
			for range b.N {
				if err := p.WriteTo(io.Discard, 0); err != nil {
					b.Fatal(err)
				}
			}
			d := (cpuTime(b) - c0) / time.Duration(b.N)
			b.ReportMetric(float64(d)/1e6, "cpu-ms/profile")
			b.ReportMetric(float64(d)/float64(gc), "profile/GC")
			b.ReportMetric(100*d.Seconds()/leakwatch.DefaultLeakInterval.Seconds(), "core-%-at-5min")
			b.ReportMetric(0, "ns/op")
		})
	}
}
