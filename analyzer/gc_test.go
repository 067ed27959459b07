package analyzer_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/report"
)

func gcLoad(t *testing.T, paths ...string) []*analyzer.Input {
	t.Helper()
	var ins []*analyzer.Input
	for _, p := range paths {
		in, err := analyzer.Load(p, analyzer.LoadOptions{})
		if err != nil {
			t.Fatalf("Load(%s): %v", p, err)
		}
		ins = append(ins, in)
	}
	return ins
}

func gcSections(r *report.Report) []string {
	var ids []string
	for _, s := range r.Sections {
		ids = append(ids, s.ID)
	}
	return ids
}

func gcChecks(r *report.Report) []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.Check)
	}
	return ids
}

func finding(r *report.Report, check string) *report.Finding {
	for i := range r.Findings {
		if r.Findings[i].Check == check {
			return &r.Findings[i]
		}
	}
	return nil
}

// TestAnalyzeGCTrace runs the GC checks on real GODEBUG=gctrace=1 logs
// (gctune/testdata, written by gctune/testdata/gen).
func TestAnalyzeGCTrace(t *testing.T) {
	for _, tt := range []struct {
		name    string
		give    string
		want    []string // checks that must be reported
		wantNot []string
	}{
		{"GOGC=50 costs CPU", "gogc50.txt", []string{gctune.CheckGOGCTooLow}, []string{gctune.CheckLiveHeapGrowing}},
		{"growing live heap", "growing.txt", []string{gctune.CheckLiveHeapGrowing}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := analyzer.Analyze(gcLoad(t, filepath.Join("..", "gctune", "testdata", tt.give)), analyzer.Options{})
			for _, id := range []string{gctune.SectionGCSummary, gctune.SectionWhatIf} {
				if !slices.Contains(gcSections(r), id) {
					t.Errorf("sections %v, want %s", gcSections(r), id)
				}
			}
			got := gcChecks(r)
			for _, c := range tt.want {
				if !slices.Contains(got, c) {
					t.Errorf("checks %v, want %s", got, c)
				}
			}
			for _, c := range tt.wantNot {
				if slices.Contains(got, c) {
					t.Errorf("checks %v, do not want %s", got, c)
				}
			}
			if note := r.Sections[0].Notes[0]; !strings.Contains(note, tt.give) || !strings.Contains(note, "gctrace") {
				t.Errorf("first GC note %q does not name the input and its kind", note)
			}
		})
	}
}

// TestObjective checks that Options.GC reaches the recommendations: the
// GOGC=50 trace spends more than the default 5% target in GC, not 90%.
func TestObjective(t *testing.T) {
	in := gcLoad(t, filepath.Join("..", "gctune", "testdata", "gogc50.txt"))
	for _, tt := range []struct {
		name string
		give float64
		want bool
	}{
		{"default target", 0, true},
		{"90% target", 0.9, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := analyzer.Analyze(in, analyzer.Options{GC: gctune.Objective{TargetGCCPUShare: tt.give}})
			if got := finding(r, gctune.CheckGOGCTooLow) != nil; got != tt.want {
				t.Errorf("%s reported = %v, want %v (checks %v)", gctune.CheckGOGCTooLow, got, tt.want, gcChecks(r))
			}
		})
	}
}

// TestLiveHeapGrowingLinksLeaks checks that the growing-heap finding points
// at the leak findings of the same report, or says there are none.
func TestLiveHeapGrowingLinksLeaks(t *testing.T) {
	in := gcLoad(t, filepath.Join("..", "gctune", "testdata", "growing.txt"))
	r := analyzer.Analyze(in, analyzer.Options{})
	f := finding(r, gctune.CheckLiveHeapGrowing)
	if f == nil {
		t.Fatalf("no %s finding in %v", gctune.CheckLiveHeapGrowing, gcChecks(r))
	}
	if ev := strings.Join(f.Evidence, "\n"); !strings.Contains(ev, "no leaks/* finding") {
		t.Errorf("evidence without leak findings = %q", ev)
	}
	if !strings.Contains(f.Suggestion, "leaks/*") {
		t.Errorf("suggestion %q does not point at the leak findings", f.Suggestion)
	}
}

// TestFocusRecommend checks that the recommend focus leaves the goroutine
// sections out and keeps the GC ones.
func TestFocusRecommend(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "goroutines.txt")
	buf := make([]byte, 1<<20)
	if err := os.WriteFile(dump, buf[:runtime.Stack(buf, true)], 0o644); err != nil {
		t.Fatal(err)
	}
	in := gcLoad(t, dump, filepath.Join("..", "gctune", "testdata", "gogc100.txt"))
	all := gcSections(analyzer.Analyze(in, analyzer.Options{}))
	rec := gcSections(analyzer.Analyze(in, analyzer.Options{Focus: analyzer.FocusRecommend}))
	if !slices.Contains(all, "goroutine-summary") || slices.Contains(rec, "goroutine-summary") {
		t.Errorf("sections: all %v, recommend %v; want goroutine-summary only in all", all, rec)
	}
	if !slices.Contains(rec, gctune.SectionGCSummary) {
		t.Errorf("recommend sections %v, want %s", rec, gctune.SectionGCSummary)
	}
}

// captureBundle runs a small allocation workload under a real collector and
// returns the path of the bundle it captured (manifest + metrics history).
func captureBundle(t *testing.T) string {
	t.Helper()
	c, err := collector.New(collector.WithMetricsInterval(20 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	type node struct {
		next *node
		_    [120]byte
	}
	live := make([]*node, 1<<16) // 8 MiB of pointer-bearing objects
	for i := range live {
		live[i] = &node{}
	}
	// A fixed volume (at least 256 MiB, ~30 GC cycles) over at least 300 ms
	// (15 samples), whatever the machine's load.
	var sink *node
	start := time.Now()
	for n := 0; n < 2<<20 || time.Since(start) < 300*time.Millisecond; n++ {
		sink = &node{next: sink}
		if n%64 == 0 {
			sink = nil
		}
	}
	runtime.KeepAlive(live)
	var b bytes.Buffer
	if _, err := c.Capture(context.Background(), &b, collector.CaptureRequest{Include: []collector.Part{collector.PartMetrics}}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "gc.gdiag")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAnalyzeBundleGC runs the GC checks on a real bundle: settings with
// their sources from the manifest, the model from the metrics history.
func TestAnalyzeBundleGC(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 0.3 s workload")
	}
	in := gcLoad(t, captureBundle(t))
	r := analyzer.Analyze(in, analyzer.Options{})
	if !slices.Contains(gcSections(r), gctune.SectionGCSummary) {
		t.Fatalf("sections %v, want %s", gcSections(r), gctune.SectionGCSummary)
	}
	var text strings.Builder
	for _, row := range r.Sections[slices.Index(gcSections(r), gctune.SectionGCSummary)].Tables[0].Rows {
		text.WriteString(strings.Join(row, " | ") + "\n")
	}
	if !strings.Contains(r.Sections[0].Notes[0], "metrics history") {
		t.Errorf("note %q does not say the data came from the metrics history", r.Sections[0].Notes[0])
	}
	if !strings.Contains(text.String(), "GOGC | 100 (") {
		t.Errorf("summary does not show GOGC with its source:\n%s", text.String())
	}
	if !slices.Contains(gcSections(r), gctune.SectionWhatIf) {
		t.Errorf("sections %v, want the what-if table calibrated on the history", gcSections(r))
	}
}
