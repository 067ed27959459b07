package pool_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/pool"
)

// A pool of *bytes.Buffer that resets buffers on Put and drops any that grew
// past 64 KiB.
func ExampleNew() {
	bufs, err := pool.New("response-buffers",
		func() *bytes.Buffer { return bytes.NewBuffer(make([]byte, 0, 4<<10)) },
		pool.WithReset((*bytes.Buffer).Reset),
		pool.WithMaxSize((*bytes.Buffer).Cap, 64<<10),
	)
	if err != nil {
		fmt.Println(err)
		return
	}

	b := bufs.Get()
	b.WriteString("hello")
	bufs.Put(b) // kept: reset, back in the pool

	b = bufs.Get()
	b.Grow(1 << 20)
	bufs.Put(b) // dropped: capacity over 64 KiB

	st := bufs.Stats() // also available as PoolStats() for the collector
	fmt.Printf("%s: gets=%d puts=%d drops=%d\n", st.Name, st.Gets, st.Puts, st.Drops)
	// Output: response-buffers: gets=2 puts=1 drops=1
}

// Rank the pool candidates of an allocs profile, priced with the GC model.
func ExampleCandidates() {
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
	h, err := pool.AnalyzeHeap(nil, p, pool.HeapOptions{Seconds: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Normally from the bundle's metrics: pool.GCContextFromMetrics.
	gc := pool.GCContext{GCCPUShare: 0.25, GOGC: 100, LiveHeapBytes: 8 << 20}
	for _, c := range pool.Candidates(h, gc, pool.CandidateOptions{}) {
		fmt.Printf("%d. %s at %s: %.0f%% of allocated bytes, saves %.1f%% CPU, cap %d KiB\n",
			c.Rank, c.Site.Func, c.GetIn.Location(), 100*c.AllocShare, 100*c.GCCPUSaved, c.SizeCapBytes>>10)
	}
	// Output:
	// 1. main.handleChurn at github.com/gdiag/gdiag/pool/testdata/gen/main.go:114: 42% of allocated bytes, saves 9.4% CPU, cap 256 KiB
}

// Compare two heap snapshots and report the sites whose in-use bytes grew.
func ExampleDiffHeap() {
	read := func(name string) *profile.Profile {
		f, err := os.Open(name)
		if err != nil {
			panic(err)
		}
		defer f.Close()
		p, err := profile.Parse(f)
		if err != nil {
			panic(err)
		}
		return p
	}
	before, after := read("testdata/heap-before.pb.gz"), read("testdata/heap-after.pb.gz")
	h, err := pool.DiffHeap(before, after, 0, pool.HeapOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range pool.Findings(h, pool.GCContext{}, pool.CandidateOptions{}) {
		if f.Check == pool.CheckInuseGrowth {
			fmt.Println(f.Title, "at", f.Location)
		}
	}
	// Output:
	// In-use heap of main.fillCache grew by 2.1 MiB at github.com/gdiag/gdiag/pool/testdata/gen/main.go:151
}
