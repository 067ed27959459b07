package analyzer

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/pool"
	"github.com/gdiag/gdiag/report"
)

// The heap profiles heap's generator wrote (see heap/testdata/gen): an
// allocs snapshot, then two heap snapshots around a cache that grew.
var heapTestdata = filepath.Join("..", "heap", "testdata")

func loadAll(t *testing.T, names ...string) []*Input {
	t.Helper()
	var ins []*Input
	for _, n := range names {
		in, err := Load(filepath.Join(heapTestdata, n), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	return ins
}

func sectionIDs(r *report.Report) []string {
	var ids []string
	for _, s := range r.Sections {
		ids = append(ids, s.ID)
	}
	return ids
}

// checksAt returns "check@function-suffix" for the pool and heap findings.
func checksAt(r *report.Report) []string {
	var out []string
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Check, "pool/") || strings.HasPrefix(f.Check, "heap/") {
			out = append(out, f.Check+"@"+f.Function)
		}
	}
	slices.Sort(out)
	return out
}

func TestAnalyzeHeapInputs(t *testing.T) {
	tests := []struct {
		name      string
		give      []string
		wantNote  string // in the heap-sites section's first note
		wantCheck []string
		wantWarn  string
	}{
		{
			name:     "one allocs profile",
			give:     []string{"allocs.pb.gz"},
			wantNote: "allocations since process start in ",
			wantCheck: []string{
				heap.CheckAlreadyPooled + "@main.run.func2", heap.CheckCandidate + "@main.handleChurn",
				heap.CheckRetainedObjects + "@main.retain", heap.CheckSizeVaries + "@main.varySize", heap.CheckTinyObjects + "@main.allocTiny",
			},
		},
		{
			name:      "two heap snapshots",
			give:      []string{"heap-before.pb.gz", "heap-after.pb.gz"},
			wantNote:  "allocations and in-use growth between ",
			wantCheck: []string{heap.CheckInuseGrowth + "@main.fillCache", heap.CheckCandidate + "@main.handleChurn"},
		},
		{
			name:     "snapshots in the wrong order",
			give:     []string{"heap-after.pb.gz", "heap-before.pb.gz"},
			wantNote: "allocations since process start in ",
			wantWarn: "allocated bytes went backwards",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(loadAll(t, tt.give...), Options{})
			ids := sectionIDs(r)
			i := slices.Index(ids, heap.SectionHeapSites)
			if i < 0 {
				t.Fatalf("no %s section in %v", heap.SectionHeapSites, ids)
			}
			if n := r.Sections[i].Notes; len(n) == 0 || !strings.HasPrefix(n[0], tt.wantNote) {
				t.Errorf("heap section notes %q, want the first to start with %q", n, tt.wantNote)
			}
			if tt.wantCheck != nil {
				got := checksAt(r)
				slices.Sort(tt.wantCheck)
				if !slices.Equal(got, tt.wantCheck) {
					t.Errorf("findings\n got %v\nwant %v", got, tt.wantCheck)
				}
			}
			warned := false
			for _, w := range r.Warnings {
				warned = warned || (tt.wantWarn != "" && strings.Contains(w, tt.wantWarn))
			}
			if tt.wantWarn != "" && !warned {
				t.Errorf("warnings %q, want one containing %q", r.Warnings, tt.wantWarn)
			}
		})
	}
}

// A loose heap profile and a loose allocs profile taken together are one
// snapshot, not two to diff.
func TestHeapSnapshotsMergeLoosePair(t *testing.T) {
	ins := loadAll(t, "heap-before.pb.gz", "allocs.pb.gz")
	snaps := heapSnapshots(ins)
	if len(snaps) != 1 || snaps[0].heap == nil || snaps[0].allocs == nil {
		t.Fatalf("snapshots %+v, want one with both profiles", snaps)
	}
	// Two heap profiles stay two snapshots.
	if n := len(heapSnapshots(loadAll(t, "heap-before.pb.gz", "heap-after.pb.gz"))); n != 2 {
		t.Errorf("%d snapshots of two heap profiles, want 2", n)
	}
}

type scratch struct{ _ [32 << 10]byte }

var sinkScratch *scratch

// A real bundle from the collector, with an instrumented pool registered
// that misses most of the time: the pools section shows its counters and hit
// rate, the pool's constructor is linked to the pool by name and reported as
// already pooled with that hit rate, and the metrics history prices the
// candidates.
func TestAnalyzeBundleWithPool(t *testing.T) {
	if testing.Short() {
		t.Skip("captures a bundle with a metrics history")
	}
	p, err := pool.New("scratch", func() *scratch { return new(scratch) })
	if err != nil {
		t.Fatal(err)
	}
	c, err := collector.New(collector.WithPools(p), collector.WithMetricsInterval(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()
	// Run until the GC has cycled a few times within at least 300 ms of
	// metrics samples: the candidates are priced from the GC CPU of the
	// history, and on a loaded machine 300 ms may hold no cycle at all.
	cycles := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	start, first := time.Now(), cycles()
	for time.Since(start) < 300*time.Millisecond || cycles()-first < 5 {
		for i := range 100 {
			s := p.Get()
			sinkScratch = s
			if i%3 == 0 { // a leaky user: most Gets have no Put, the pool mostly misses
				p.Put(s)
			}
		}
		for range 10 {
			sinkScratch = new(scratch) // an unpooled churn site
		}
		time.Sleep(time.Millisecond)
	}
	runtime.GC() // publish the latest allocations in the profile
	var buf bytes.Buffer
	if _, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{
		Include: []collector.Part{collector.PartHeap, collector.PartAllocs, collector.PartMetrics},
	}); err != nil {
		t.Fatal(err)
	}
	in, err := LoadReader("pool.gdiag", bytes.NewReader(buf.Bytes()), int64(buf.Len()), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze([]*Input{in}, Options{})
	ids := sectionIDs(r)
	i := slices.Index(ids, heap.SectionPools)
	if i < 0 {
		t.Fatalf("no %s section in %v", heap.SectionPools, ids)
	}
	st := p.Stats()
	row := r.Sections[i].Tables[0].Rows[0]
	if row[0] != "scratch" || row[6] != "analyzer.TestAnalyzeBundleWithPool.func1" {
		t.Errorf("pools row %v", row)
	}
	if st.Gets == 0 || st.HitRate() > 0.5 || row[5] == "-" {
		t.Errorf("pool stats %+v, row %v: want a pool that mostly misses, with its hit rate shown", st, row)
	}
	var pooled, churn *report.Finding
	for k := range r.Findings {
		f := &r.Findings[k]
		switch {
		case f.Check == heap.CheckAlreadyPooled && strings.HasSuffix(f.Function, "TestAnalyzeBundleWithPool.func1"):
			pooled = f
		case f.Check == heap.CheckCandidate && strings.HasSuffix(f.Function, "TestAnalyzeBundleWithPool"):
			churn = f
		}
	}
	if pooled == nil || pooled.Metrics["pool_hit_rate"] > 0.5 || pooled.Severity != report.SeverityLow || pooled.Suggestion == "" {
		t.Errorf("want an already-pooled finding at the constructor with the pool's low hit rate and a suggestion: %+v", pooled)
	}
	if churn == nil || churn.Metrics["gc_cpu_share_saved"] <= 0 {
		t.Errorf("the unpooled churn site is not a priced candidate: %+v", churn)
	}
}

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	h := &bundle.MetricsHistory{}
	for i := range 10 {
		h.Samples = append(h.Samples, bundle.MetricsSample{Time: at(float64(i)), GCCycles: uint64(i)})
	}
	tests := []struct {
		name     string
		from, to float64
		want     []uint64 // GCCycles of the first and last sample; nil for no window
	}{
		{"inside", 2.5, 6.5, []uint64{2, 7}},
		{"on samples", 2, 6, []uint64{2, 6}},
		{"starts before the history", -1.5, 3, nil},
		{"ends after the history", 5, 10.5, nil},
		{"starts just before the history", -0.5, 3, []uint64{0, 3}},
		{"ends just after the history", 5, 9.5, []uint64{5, 9}},
		{"whole history", 0, 9, []uint64{0, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window(h, at(tt.from), at(tt.to))
			if tt.want == nil {
				if w != nil {
					t.Fatalf("got %d samples, want none", len(w.Samples))
				}
				return
			}
			if w == nil {
				t.Fatal("got no window")
			}
			if got := []uint64{w.Samples[0].GCCycles, w.Samples[len(w.Samples)-1].GCCycles}; !slices.Equal(got, tt.want) {
				t.Errorf("window spans samples %v, want %v", got, tt.want)
			}
		})
	}
}

// gdiag recommend runs Analyze with FocusRecommend: the heap section and the
// pool advice are part of the tuning advice and stay.
func TestFocusRecommendKeepsPoolAdvice(t *testing.T) {
	r := Analyze(loadAll(t, "allocs.pb.gz"), Options{Focus: FocusRecommend})
	if ids := sectionIDs(r); !slices.Contains(ids, heap.SectionHeapSites) || !slices.Contains(ids, heap.SectionPoolCandidates) {
		t.Errorf("sections %v, want %s and %s", ids, heap.SectionHeapSites, heap.SectionPoolCandidates)
	}
	if !slices.ContainsFunc(r.Findings, func(f report.Finding) bool { return f.Check == heap.CheckCandidate }) {
		t.Error("no pool/candidate finding under FocusRecommend")
	}
}

// Snapshots of two different processes are not diffed even when their
// counters happen to grow; the last one is analysed alone, with a warning.
func TestHeapDiffDifferentProcesses(t *testing.T) {
	ins := loadAll(t, "heap-before.pb.gz", "heap-after.pb.gz")
	ins[0].Manifest = &bundle.Manifest{Host: "web-1", PID: 100}
	ins[1].Manifest = &bundle.Manifest{Host: "web-1", PID: 200}
	_, warns := heapCheck(ins, newGCFacts(ins), Options{})
	if len(warns) != 1 || !strings.Contains(warns[0], "different processes (web-1 pid 100, web-1 pid 200)") {
		t.Errorf("warnings %q, want one about different processes", warns)
	}
	ins[1].Manifest.PID = 100
	if _, warns := heapCheck(ins, newGCFacts(ins), Options{}); len(warns) != 0 {
		t.Errorf("same process: warnings %q", warns)
	}
}
