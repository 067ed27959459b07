package gctune

import (
	"math"
	"testing"
	"time"
)

const mib = 1 << 20

func TestHeapGoal(t *testing.T) {
	m := Model{NonHeapBytes: 10 * mib}
	tests := []struct {
		name        string
		give        Candidate
		live, roots int64
		want        int64
		wantByLimit bool
	}{
		{"GOGC=100 doubles the live heap", Candidate{GOGC: 100}, 100 * mib, 0, 200 * mib, false},
		{"roots count in the runway", Candidate{GOGC: 100}, 100 * mib, 10 * mib, 210 * mib, false},
		{"GOGC=50", Candidate{GOGC: 50}, 100 * mib, 10 * mib, 155 * mib, false},
		{"GOGC=200", Candidate{GOGC: 200}, 100 * mib, 0, 300 * mib, false},
		{"4 MiB minimum heap", Candidate{GOGC: 100}, 1 * mib, 0, 4 * mib, false},
		{"minimum scales with GOGC", Candidate{GOGC: 50}, 1 * mib, 0, 2 * mib, false},
		{"GOGC=0", Candidate{GOGC: 0}, 100 * mib, 0, 100 * mib, false},
		{"limit below the GOGC goal: limit − non-heap − 3%", Candidate{GOGC: 100, MemoryLimitBytes: 150 * mib}, 100 * mib, 0, 140*mib - 140*mib/100*3, true},
		{"limit above the GOGC goal", Candidate{GOGC: 100, MemoryLimitBytes: 1 << 30}, 100 * mib, 0, 200 * mib, false},
		{"GOGC=off with a limit", Candidate{GOGC: Off, MemoryLimitBytes: 1 << 30}, 100 * mib, 0, 1014*mib - 1014*mib/100*3, true},
		{"GOGC=off without a limit", Candidate{GOGC: Off}, 100 * mib, 0, math.MaxInt64, false},
		{"limit under the live heap: goal is the live heap", Candidate{GOGC: 100, MemoryLimitBytes: 50 * mib}, 100 * mib, 0, 100 * mib, true},
		{"NoLimit is no limit", Candidate{GOGC: 100, MemoryLimitBytes: NoLimit}, 100 * mib, 0, 200 * mib, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, byLimit := m.HeapGoal(tt.give, tt.live, tt.roots)
			if got != tt.want || byLimit != tt.wantByLimit {
				t.Errorf("HeapGoal = %d (%d MiB), %v; want %d (%d MiB), %v", got, got/mib, byLimit, tt.want, tt.want/mib, tt.wantByLimit)
			}
		})
	}
}

func TestSimulateClosedForm(t *testing.T) {
	// 1 ns of GC CPU per byte of live heap + roots; the heap grows to the goal.
	m := Model{CPUPerByte: 1e-9, RunwayRatio: 1}
	steady := func(live int64, alloc, mutator float64, procs int) Workload {
		return Workload{GOMAXPROCS: procs, Segments: []Segment{{Duration: 10 * time.Second, AllocBytesPerSec: alloc, LiveHeapBytes: live, MutatorCores: mutator}}}
	}
	live := int64(100 * mib)
	cost := 1e-9 * float64(live) // seconds per cycle
	tests := []struct {
		name      string
		give      Candidate
		w         Workload
		wantCPS   float64
		wantCores float64
		wantShare float64
		wantPeak  int64
		wantLimit bool
	}{
		{"GOGC=100: one cycle per live heap allocated", Candidate{GOGC: 100}, steady(live, 100*mib, 1, 4),
			1, cost, cost / (cost + 1), 200 * mib, false},
		{"GOGC=200 halves the cycles", Candidate{GOGC: 200}, steady(live, 100*mib, 1, 4),
			0.5, cost / 2, cost / 2 / (cost/2 + 1), 300 * mib, false},
		{"GOGC=50 doubles them", Candidate{GOGC: 50}, steady(live, 100*mib, 1, 4),
			2, 2 * cost, 2 * cost / (2*cost + 1), 150 * mib, false},
		{"mutator unknown: share of GOMAXPROCS", Candidate{GOGC: 100}, steady(live, 100*mib, 0, 4),
			1, cost, cost / 4, 200 * mib, false},
		{"limit near live heap: limiter caps GC at 50% of 2 Ps", Candidate{GOGC: 100, MemoryLimitBytes: live + 2*mib}, steady(live, 1000*mib, 1, 2),
			1 / cost, 1, 1.0 / 2, live + int64(1000*mib*cost), true},
		{"GOGC=off, no limit: the heap keeps everything", Candidate{GOGC: Off}, steady(live, 100*mib, 1, 4),
			0, 0, 0, live + 1000*mib, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Simulate(m, tt.give, tt.w)
			near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want)) }
			if !near(p.CyclesPerSec, tt.wantCPS) || !near(p.GCCores, tt.wantCores) || !near(p.GCCPUShare, tt.wantShare) ||
				math.Abs(float64(p.PeakHeapBytes-tt.wantPeak)) > 1024 || p.LimiterActive != tt.wantLimit {
				t.Errorf("got cps %.4f cores %.4f share %.4f peak %d limiter %v\nwant cps %.4f cores %.4f share %.4f peak %d limiter %v",
					p.CyclesPerSec, p.GCCores, p.GCCPUShare, p.PeakHeapBytes, p.LimiterActive,
					tt.wantCPS, tt.wantCores, tt.wantShare, tt.wantPeak, tt.wantLimit)
			}
		})
	}
}

func TestSimulateReplaysSegments(t *testing.T) {
	m := Model{CPUPerByte: 1e-9, RunwayRatio: 1, NonHeapBytes: 5 * mib}
	w := Workload{GOMAXPROCS: 4, Segments: []Segment{
		{Duration: time.Second, AllocBytesPerSec: 100 * mib, LiveHeapBytes: 100 * mib, MutatorCores: 1},
		{Duration: 3 * time.Second, AllocBytesPerSec: 400 * mib, LiveHeapBytes: 200 * mib, MutatorCores: 2},
	}}
	p := Simulate(m, Candidate{GOGC: 100}, w)
	// 1 cycle/s for 1 s, 2 cycles/s for 3 s.
	if want := 7.0 / 4; math.Abs(p.CyclesPerSec-want) > 1e-9 {
		t.Errorf("cycles/s %.4f, want %.4f", p.CyclesPerSec, want)
	}
	if p.PeakHeapBytes != 400*mib || p.PeakTotalMemoryBytes != 405*mib || p.HeapGoalBytes != 400*mib {
		t.Errorf("peaks %d/%d/%d MiB, want 400/405/400", p.PeakHeapBytes/mib, p.PeakTotalMemoryBytes/mib, p.HeapGoalBytes/mib)
	}
}

func TestCalibrateTraceRecoversCost(t *testing.T) {
	// Cycles whose CPU is exactly 2 ms + 1 ns/byte: the fit must recover it.
	var cs []Cycle
	for i := range 8 {
		live := int64(50+20*i) * mib
		cpu := 2*time.Millisecond + time.Duration(float64(live))
		cs = append(cs, Cycle{N: i + 1, At: time.Duration(i) * 100 * time.Millisecond, LiveBytes: live, HeapEndBytes: 2 * live, GoalBytes: 2 * live,
			BackgroundCPU: cpu, HasRoots: true, Procs: 4})
	}
	m, w := CalibrateTrace(cs)
	if math.Abs(m.CPUPerByte-1e-9) > 1e-12 || (m.FixedCPUPerCycle-2*time.Millisecond).Abs() > time.Microsecond || m.FitR2 < 0.999 {
		t.Errorf("model %+v, want 1 ns/byte + 2 ms", m)
	}
	if w.GOMAXPROCS != 4 || len(w.Segments) != 7 {
		t.Errorf("workload %+v", w)
	}
}

// TestPredictFromGOGC100 is the model's validation on real runs: calibrate on
// the GOGC=100 log and predict the cycle rate of the runs at other settings
// (same program, same paced allocation rate).
func TestPredictFromGOGC100(t *testing.T) {
	r100, err := Analyze(Input{Cycles: parseFile(t, "gogc100")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		give   Candidate
		file   string
		maxErr float64 // relative
	}{
		{"GOGC=50", Candidate{GOGC: 50}, "gogc50", 0.15},
		{"GOGC=200", Candidate{GOGC: 200}, "gogc200", 0.15},
		{"GOGC=400", Candidate{GOGC: 400}, "gogc400", 0.15},
		{"GOGC=off GOMEMLIMIT=192MiB", Candidate{GOGC: Off, MemoryLimitBytes: 192 * mib}, "gogcoff-memlimit192", 0.15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			real, err := Analyze(Input{Cycles: parseFile(t, tt.file)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := Simulate(r100.Model, tt.give, r100.Workload)
			relErr := (p.CyclesPerSec - real.CyclesPerSec) / real.CyclesPerSec
			shareErr := (p.GCCPUShare - real.GCCPUShare) / real.GCCPUShare
			peakErr := float64(p.PeakHeapBytes-real.PeakHeapBytes) / float64(real.PeakHeapBytes)
			t.Logf("%s: cycles/s predicted %.2f, real %.2f (error %+.1f%%); GC CPU share predicted %.2f%%, real %.2f%% (%+.1f%%); peak heap predicted %d MiB, real %d MiB (%+.1f%%)",
				tt.name, p.CyclesPerSec, real.CyclesPerSec, relErr*100, p.GCCPUShare*100, real.GCCPUShare*100, shareErr*100, p.PeakHeapBytes/mib, real.PeakHeapBytes/mib, peakErr*100)
			if math.Abs(relErr) > tt.maxErr {
				t.Errorf("cycle rate error %.1f%% above %.0f%%", relErr*100, tt.maxErr*100)
			}
			if math.Abs(peakErr) > tt.maxErr {
				t.Errorf("peak heap error %.1f%% above %.0f%%", peakErr*100, tt.maxErr*100)
			}
		})
	}
}
