package benchmarks

import (
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gdiag/gdiag/leaks/leaktest"
)

// liveGoroutines is how many goroutines stay alive in the background while
// the leak checks run: the scale at which goleak needs about a second to
// pass and twenty to report a leak.
const liveGoroutines = 10_000

const backgroundFunc = "github.com/gdiag/gdiag/benchmarks.background"

// background is the goroutines both checks are told to ignore.
func background(stop <-chan struct{}, started *sync.WaitGroup) {
	started.Done()
	<-stop
}

// leaked is the goroutine both checks must report.
func leaked(stop <-chan struct{}, started *sync.WaitGroup) {
	started.Done()
	<-stop
}

func startGoroutines(n int, f func(<-chan struct{}, *sync.WaitGroup)) (stop func()) {
	ch := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go f(ch, &wg)
	}
	wg.Wait()
	return func() { close(ch) }
}

// BenchmarkLeakCheck compares leaktest.Find with goleak.Find, both with
// their default retry budget (20 retries, at most 100ms apart) and told to
// ignore 10,000 live background goroutines, when nothing leaked (pass) and
// when one goroutine leaked (leak). Each iteration runs both, goleak outside
// the benchmark timer, so ns/op is leaktest's and the ratio x-goleak
// (goleak's time over leaktest's, higher is better) holds on a busy
// machine; x-goleak-cpu is the same ratio of process CPU time. Both must
// reach the same verdict in every iteration.
//
// goleak takes seconds per iteration here: run it with -benchtime=3x.
func BenchmarkLeakCheck(b *testing.B) {
	stop := startGoroutines(liveGoroutines, background)
	defer stop()
	for _, tc := range []struct {
		name string
		leak bool
	}{{"pass", false}, {"leak", true}} {
		b.Run(tc.name, func(b *testing.B) {
			if tc.leak {
				stopLeak := startGoroutines(1, leaked)
				defer stopLeak()
			}
			var goleakTime, leaktestTime, goleakCPU, leaktestCPU time.Duration
			for b.Loop() {
				b.StopTimer()
				start, cpu := time.Now(), leakCheckCPU()
				// goleak does not know the benchmark runner's goroutines.
				gerr := goleak.Find(goleak.IgnoreTopFunction(backgroundFunc), goleak.IgnoreTopFunction("testing.(*B).run1"))
				goleakTime += time.Since(start)
				goleakCPU += leakCheckCPU() - cpu
				b.StartTimer()

				start, cpu = time.Now(), leakCheckCPU()
				lerr := leaktest.Find(leaktest.IgnoreTopFunction(backgroundFunc))
				leaktestTime += time.Since(start)
				leaktestCPU += leakCheckCPU() - cpu

				if (gerr != nil) != tc.leak || (lerr != nil) != tc.leak {
					b.Fatalf("verdicts: goleak %v, leaktest %v; want leak = %v", gerr, lerr, tc.leak)
				}
			}
			n := float64(b.N)
			b.ReportMetric(goleakTime.Seconds()/n, "goleak-s/op")
			b.ReportMetric(leaktestTime.Seconds()/n, "leaktest-s/op")
			b.ReportMetric(goleakTime.Seconds()/leaktestTime.Seconds(), "x-goleak")
			b.ReportMetric(goleakCPU.Seconds()/leaktestCPU.Seconds(), "x-goleak-cpu")
		})
	}
}

// leakCheckCPU is the user and system CPU time of the process so far. The
// background goroutines are parked, so between two readings it is the CPU
// the check (and the garbage collection it causes) used: a measure of work
// that, unlike wall time, does not depend on what else runs on the machine.
func leakCheckCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
