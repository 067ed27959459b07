package gctune_test

import (
	"fmt"
	"os"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/gctune"
)

// A what-if table without a bundle: doubling GOGC halves the cycle rate and
// the GC CPU until the memory limit binds.
func ExampleWhatIf() {
	preds, err := gctune.WhatIf(gctune.WhatIfParams{
		LiveHeapBytes:    1 << 30,
		AllocBytesPerSec: 800 << 20,
		MemoryLimitBytes: 4 << 30,
		GOGC:             []int{50, 100, 200, gctune.Off},
		GOMAXPROCS:       8,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range preds {
		fmt.Printf("%-25s %.2f cycles/s, GC %.3f cores, heap goal %d MiB\n", p.Candidate, p.CyclesPerSec, p.GCCores, p.HeapGoalBytes>>20)
	}
	// Output:
	// GOGC=50 GOMEMLIMIT=4GiB   1.74 cycles/s, GC 0.746 cores, heap goal 1536 MiB
	// GOGC=100 GOMEMLIMIT=4GiB  0.87 cycles/s, GC 0.373 cores, heap goal 2048 MiB
	// GOGC=200 GOMEMLIMIT=4GiB  0.43 cycles/s, GC 0.186 cores, heap goal 3072 MiB
	// GOGC=off GOMEMLIMIT=4GiB  0.30 cycles/s, GC 0.129 cores, heap goal 3973 MiB
}

// Analyse a GODEBUG=gctrace=1 log for the objective "GC under 5% of the
// CPU": the check contract's Analyze, then its findings.
func ExampleAnalyze() {
	f, err := os.Open("testdata/gogc50.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	cycles, err := gctune.ParseGCTrace(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := gctune.Analyze(gctune.Input{Cycles: cycles}, gctune.Options{Objective: gctune.Objective{TargetGCCPUShare: 0.05}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("GOGC %d, GC CPU %.1f%% of GOMAXPROCS\n", r.GOGC.Value, 100*r.GCCPUShare)
	for _, f := range r.Findings() {
		fmt.Println(f.Severity, f.Check, f.Suggestion != "")
	}
	// Output:
	// GOGC 50, GC CPU 17.2% of GOMAXPROCS
	// medium gctune/gogc-too-low true
}

// Ask the same analysis for another objective: the settings that bring GC
// under 5% of the CPU.
func ExampleRecommend() {
	f, err := os.Open("testdata/gogc50.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	cycles, err := gctune.ParseGCTrace(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := gctune.Analyze(gctune.Input{Cycles: cycles}, gctune.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, rec := range gctune.Recommend(r, gctune.Objective{TargetGCCPUShare: 0.05}) {
		fmt.Println(rec.Finding.Check, rec.Env)
	}
	// Output:
	// gctune/gogc-too-low map[GOGC:200]
}

// GOMAXPROCS for a container limited to half a core and throttled in 27%
// of its periods.
func ExampleAdviseMaxProcs() {
	r := &gctune.Result{
		GOMAXPROCS: bundle.Setting{Value: 2, Source: bundle.SourceCgroup},
		NumCPU:     8,
		Cgroup: &bundle.Cgroup{Version: 2, Levels: []bundle.CgroupLevel{
			{Path: "/pod/container", CPUQuotaCores: 0.5, CPUPeriodUs: 100000, NrPeriods: 880, NrThrottled: 240},
			{Path: "/pod", CPUQuotaCores: 2, CPUPeriodUs: 100000},
		}},
	}
	a := gctune.AdviseMaxProcs(r)
	fmt.Println(a.Value, a.RuntimeDefault)
	fmt.Println(a.Reason)
	// Output:
	// 1 2
	// floor of the 0.50-core quota: 27% of periods are throttled, so do not burst above the quota
}
