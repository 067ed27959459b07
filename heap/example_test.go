package heap_test

import (
	"fmt"
	"os"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/heap"
)

// Rank the pool candidates of an allocs profile, priced with the GC model.
func ExampleAdvise() {
	f, err := os.Open("testdata/allocs.pb.gz")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The process had run for 10 s when the profile was taken.
	h, err := heap.AnalyzeHeap(nil, p, heap.HeapOptions{Seconds: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Normally from the bundle's metrics: heap.GCContextFromMetrics.
	gc := heap.GCContext{GCCPUShare: 0.25, GOGC: 100, LiveHeapBytes: 8 << 20}
	for _, c := range heap.Advise(h, gc, heap.CandidateOptions{}).Candidates {
		fmt.Printf("%d. %s at %s: %.0f%% of allocated bytes, saves %.1f%% CPU, cap %d KiB\n",
			c.Rank, c.Site.Func, c.GetIn.Location(), 100*c.AllocShare, 100*c.GCCPUSaved, c.SizeCapBytes>>10)
	}
	// Output:
	// 1. main.handleChurn at github.com/gdiag/gdiag/pool/testdata/gen/main.go:114: 42% of allocated bytes, saves 9.4% CPU, cap 256 KiB
}

// The check contract: Analyze compares two heap snapshots (Before set),
// prices the pool advice with the GC facts given, and its Result presents
// the findings and sections.
func ExampleAnalyze() {
	res, err := heap.Analyze(heap.Input{
		Before: mustProfile("heap-before.pb.gz"),
		Heap:   mustProfile("heap-after.pb.gz"),
		GC:     heap.GCContext{GCCPUShare: 0.2, GOGC: 100},
	}, heap.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Findings() {
		fmt.Println(f.Severity, f.Check, f.Function)
	}
	for _, s := range res.Sections() {
		fmt.Println(s.ID)
	}
	// Output:
	// medium pool/candidate main.handleChurn
	// high heap/inuse-growth main.fillCache
	// heap-sites
	// pool-candidates
}

// Compare two heap snapshots and report the sites whose in-use bytes grew.
func ExampleDiffHeap() {
	before, after := mustProfile("heap-before.pb.gz"), mustProfile("heap-after.pb.gz")
	h, err := heap.DiffHeap(before, after, 0, heap.HeapOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range heap.Advise(h, heap.GCContext{}, heap.CandidateOptions{}).Findings() {
		if f.Check == heap.CheckInuseGrowth {
			fmt.Println(f.Title, "at", f.Location)
		}
	}
	// Output:
	// In-use heap of main.fillCache grew by 2.1 MiB at github.com/gdiag/gdiag/pool/testdata/gen/main.go:151
}

// mustProfile reads a profile of testdata for the examples.
func mustProfile(name string) *profile.Profile {
	p, err := loadProfile(name)
	if err != nil {
		panic(err)
	}
	return p
}
