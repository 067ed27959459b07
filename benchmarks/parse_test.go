package benchmarks

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gdiag/gdiag/benchmarks/internal/parsers"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if gendump.path != "" {
		_ = os.RemoveAll(filepath.Dir(gendump.path))
	}
	os.Exit(code)
}

// TestParsersAgree checks that every parser finds every goroutine of the
// generated 1k dump.
func TestParsersAgree(t *testing.T) {
	data, err := os.ReadFile(dumpFile(t, sizes[0]))
	if err != nil {
		t.Fatal(err)
	}
	want := headerCount(data)
	if want < sizes[0].n {
		t.Fatalf("dump has %d goroutine headers, want ≥ %d", want, sizes[0].n)
	}
	ps := parsers.All()
	if len(ps) != 6 {
		t.Fatalf("%d parsers, want gdiag's and the peers'", len(ps))
	}
	for _, p := range ps {
		t.Run(p.Name, func(t *testing.T) {
			got, err := p.Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.Goroutines != want {
				t.Errorf("Parse found %d goroutines, want %d", got.Goroutines, want)
			}
			if p.Group && (got.Buckets < 40 || got.Buckets >= got.Goroutines) {
				t.Errorf("Parse grouped %d goroutines into %d buckets, want 40 ≤ buckets < goroutines", got.Goroutines, got.Buckets)
			}
		})
	}
}

// BenchmarkParse parses the same generated dumps with every parser.
// Besides ns/op, MB/s and allocations it reports goroutines/s, ns/goroutine
// (flat across sizes when parsing is linear) and, for every parser but
// gostackparse itself, x-gostackparse: its throughput divided by
// gostackparse's, with gostackparse timed on the same input inside the same
// benchmark, interleaved iteration by iteration (outside the benchmark
// timer), so that the ratio holds on a busy machine.
func BenchmarkParse(b *testing.B) {
	ref, ok := parsers.Lookup("gostackparse")
	if !ok {
		b.Fatal("no gostackparse parser")
	}
	for _, sz := range sizes {
		b.Run(sz.label, func(b *testing.B) {
			data, err := os.ReadFile(dumpFile(b, sz))
			if err != nil {
				b.Fatal(err)
			}
			want := headerCount(data)
			for _, p := range parsers.All() {
				b.Run(p.Name, func(b *testing.B) {
					if p.Quadratic && want > 20_000 {
						b.Skipf("%s is quadratic in the number of goroutines: %d goroutines would take minutes per iteration; measured at 1k and 10k only", p.Name, want)
					}
					if p.Name == "panicparse" && want > 600_000 {
						b.Skipf("panicparse needs about 6.5× the input in memory (%d MB here), more than this shared machine has to spare", 13*len(data)/2>>20)
					}
					benchParse(b, p, ref, data, want)
				})
			}
		})
	}
}

func benchParse(b *testing.B, p, ref parsers.Parser, data []byte, want int) {
	withRef := p.Name != ref.Name
	runtime.GC()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var self, other, selfCPU, otherCPU time.Duration
	var got parsers.Result
	for b.Loop() {
		t0, c0 := time.Now(), cpuTime(b)
		res, err := p.Parse(bytes.NewReader(data))
		self += time.Since(t0)
		selfCPU += cpuTime(b) - c0
		if err != nil {
			b.Fatalf("%s: %v", p.Name, err)
		}
		got = res
		if withRef {
			b.StopTimer()
			res = parsers.Result{} // let the collector free it before the next parse
			runtime.GC()
			t0, c0 = time.Now(), cpuTime(b)
			if _, err := ref.Parse(bytes.NewReader(data)); err != nil {
				b.Fatalf("%s: %v", ref.Name, err)
			}
			other += time.Since(t0)
			otherCPU += cpuTime(b) - c0
			runtime.GC()
			b.StartTimer()
		}
	}
	if got.Goroutines != want {
		b.Fatalf("%s found %d goroutines, want %d", p.Name, got.Goroutines, want)
	}
	n := float64(b.N) * float64(want)
	b.ReportMetric(n/self.Seconds(), "goroutines/s")
	b.ReportMetric(float64(self.Nanoseconds())/n, "ns/goroutine")
	b.ReportMetric(float64(selfCPU.Nanoseconds())/n, "cpu-ns/goroutine")
	// cores is CPU time over wall time: above 1 the parse ran on more than
	// one core at once (including the garbage collector's share).
	b.ReportMetric(selfCPU.Seconds()/self.Seconds(), "cores")
	if withRef {
		b.ReportMetric(other.Seconds()/self.Seconds(), "x-gostackparse")
		b.ReportMetric(otherCPU.Seconds()/selfCPU.Seconds(), "x-gostackparse-cpu")
	}
}

// cpuTime is the CPU time (user and system) the process has used. On a
// machine shared with other work, wall time measures the scheduler as much as
// the parser; CPU time per parse does not.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
