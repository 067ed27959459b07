package heap

import (
	"fmt"
	"strconv"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
)

// MaxSectionSites is the number of heap sites Sections puts in its table.
const MaxSectionSites = 20

// Section IDs.
const (
	SectionHeapSites      = "heap-sites"
	SectionPoolCandidates = "pool-candidates"
	// SectionPools lists the instrumented pools recorded in a bundle's
	// manifest with their hit rates.
	SectionPools = "pools"
)

// sections renders h as the "heap-sites" section (totals and the top
// MaxSectionSites sites by allocated bytes) and, when cands is not empty, the
// "pool-candidates" section. The cells are formatted for people (binary
// units), the exact numbers are in the findings' Metrics.
func sections(h *HeapReport, cands []Candidate) []report.Section {
	if h == nil {
		return nil
	}
	title := "Heap allocation sites"
	if h.Diff {
		title += " (between two snapshots)"
	}
	sec := report.Section{ID: SectionHeapSites, Title: title}
	sec.Notes = append(sec.Notes, fmt.Sprintf("%s allocated in %d objects, %s in use in %d objects; short-lived ratio %.0f%%",
		units.Bytes(float64(h.AllocBytes)), h.AllocObjects, units.Bytes(float64(h.InuseBytes)), h.InuseObjects, 100*h.ShortLivedRatio()))
	if h.Seconds > 0 {
		sec.Notes = append(sec.Notes, fmt.Sprintf("%s/s allocated over %.1f s", units.Bytes(h.AllocBytesPerSec()), h.Seconds))
	}
	if h.Diff {
		sec.Notes = append(sec.Notes, fmt.Sprintf("in-use change between snapshots: %+d bytes", h.GrowthBytes))
	}
	if h.SamplingRate > 1 {
		sec.Notes = append(sec.Notes, fmt.Sprintf("sampled every %s allocated (runtime.MemProfileRate); counts are estimates", units.Bytes(float64(h.SamplingRate))))
	}
	cols := []string{"#", "Site", "Location", "Alloc", "Objects", "Avg size", "Alloc/s", "In use", "Short-lived"}
	if h.Diff {
		cols = append(cols, "Growth")
	}
	t := report.Table{Title: "Top allocation sites by bytes", Columns: cols}
	for i := range h.Sites[:min(len(h.Sites), MaxSectionSites)] {
		s := &h.Sites[i]
		rate := "-"
		if s.AllocBytesPerSec > 0 {
			rate = units.Bytes(s.AllocBytesPerSec) + "/s"
		}
		row := []string{strconv.Itoa(i + 1), symbol.ShortFunc(s.Func), s.Frame().Location(),
			units.Bytes(float64(s.AllocBytes)), strconv.FormatInt(s.AllocObjects, 10), units.Bytes(s.AvgObjectBytes()),
			rate, units.Bytes(float64(s.InuseBytes)), fmt.Sprintf("%.0f%%", 100*(1-s.RetainedRatio(h.Diff)))}
		if h.Diff {
			row = append(row, fmt.Sprintf("%+d B", s.GrowthBytes))
		}
		t.Rows = append(t.Rows, row)
	}
	sec.Tables = append(sec.Tables, t)
	out := []report.Section{sec}
	if len(cands) == 0 {
		return out
	}
	ct := report.Table{
		Title:   "Pool candidates by GC CPU saved",
		Columns: []string{"Rank", "Site", "Location", "Type", "Avg size", "Removed", "GC CPU saved", "Size cap"},
	}
	for _, c := range cands {
		typ := c.Type
		if typ == "" {
			typ = "?"
		}
		removed := fmt.Sprintf("%.0f%%", 100*c.RemovedShare)
		if c.RemovedBytesPerSec > 0 {
			removed = units.Bytes(c.RemovedBytesPerSec) + "/s"
		}
		saved := "-"
		if c.GCCPUSaved > 0 {
			saved = fmt.Sprintf("%.2f%%", 100*c.GCCPUSaved)
		}
		ct.Rows = append(ct.Rows, []string{strconv.Itoa(c.Rank), symbol.ShortFunc(c.Site.Func), c.GetIn.Location(), typ,
			units.Bytes(c.Site.AvgObjectBytes()), removed, saved, units.Bytes(float64(c.SizeCapBytes))})
	}
	out = append(out, report.Section{
		ID: SectionPoolCandidates, Title: "sync.Pool candidates",
		Notes:  []string{"GC CPU saved ≈ GC CPU share × share of allocated bytes removed × hit rate (first-order model, see heap.GCContext)"},
		Tables: []report.Table{ct},
	})
	return out
}
