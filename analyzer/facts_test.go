package analyzer

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/report"
)

// TestGCFactsComputedOnce: the GC check and the heap check's pool pricing
// use one gctune analysis of the bundle, and the pool-candidates section
// states the GC CPU share that analysis found.
func TestGCFactsComputedOnce(t *testing.T) {
	in, err := Load("../cmd/gdiag/testdata/flashsale.gdiag", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []*Input{in}
	gcf := newGCFacts(inputs)
	gcRes, _ := gcf.check(Options{})
	if gcRes == nil {
		t.Fatal("no GC result for a bundle with a metrics history")
	}
	heapRes, warns := heapCheck(inputs, gcf, Options{})
	if heapRes == nil || len(warns) > 0 {
		t.Fatalf("heap check: %v, warnings %q", heapRes, warns)
	}
	if len(gcf.runs) != 1 {
		t.Errorf("gctune ran for %d inputs, want 1", len(gcf.runs))
	}
	if run := gcf.of(in, Options{}.GC); run.res != gcRes.Result {
		t.Error("the heap check was priced with another gctune result than the GC check's")
	}
	if heapRes.GC.GCCPUShare != gcRes.GCCPUShare {
		t.Errorf("pool advice priced at GC CPU share %v, the GC check found %v", heapRes.GC.GCCPUShare, gcRes.GCCPUShare)
	}
	secs := heapRes.Sections()
	i := slices.IndexFunc(secs, func(s report.Section) bool { return s.ID == heap.SectionPoolCandidates })
	if i < 0 {
		t.Fatalf("no %s section", heap.SectionPoolCandidates)
	}
	want := fmt.Sprintf("GC CPU share %.1f%%", 100*gcRes.GCCPUShare)
	if !slices.ContainsFunc(secs[i].Notes, func(n string) bool { return strings.Contains(n, want) }) {
		t.Errorf("%s notes %q lack %q", heap.SectionPoolCandidates, secs[i].Notes, want)
	}
}
