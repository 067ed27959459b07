package heap

import (
	"fmt"
	"strconv"

	"github.com/gdiag/gdiag/report"
)

// MaxSectionSites is the number of heap sites Sections puts in its table.
const MaxSectionSites = 20

// Section IDs.
const (
	SectionHeapSites      = "heap-sites"
	SectionPoolCandidates = "pool-candidates"
)

// Sections renders h as the "heap-sites" section (totals and the top
// MaxSectionSites sites by allocated bytes) and, when cands is not empty, the
// "pool-candidates" section. Pure; the cells are formatted for people
// (binary units), the exact numbers are in the findings' Metrics.
func Sections(h *HeapReport, cands []Candidate) []report.Section {
	if h == nil {
		return nil
	}
	title := "Heap allocation sites"
	if h.Diff {
		title += " (between two snapshots)"
	}
	sec := report.Section{ID: SectionHeapSites, Title: title}
	sec.Notes = append(sec.Notes, fmt.Sprintf("%s allocated in %d objects, %s in use in %d objects; short-lived ratio %.0f%%",
		humanBytes(float64(h.AllocBytes)), h.AllocObjects, humanBytes(float64(h.InuseBytes)), h.InuseObjects, 100*h.ShortLivedRatio()))
	if h.Seconds > 0 {
		sec.Notes = append(sec.Notes, fmt.Sprintf("%s/s allocated over %.1f s", humanBytes(h.AllocBytesPerSec()), h.Seconds))
	}
	if h.Diff {
		sec.Notes = append(sec.Notes, fmt.Sprintf("in-use change between snapshots: %+d bytes", h.GrowthBytes))
	}
	if h.SamplingRate > 1 {
		sec.Notes = append(sec.Notes, fmt.Sprintf("sampled every %s allocated (runtime.MemProfileRate); counts are estimates", humanBytes(float64(h.SamplingRate))))
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
			rate = humanBytes(s.AllocBytesPerSec) + "/s"
		}
		row := []string{strconv.Itoa(i + 1), shortFunc(s.Func), s.Frame().Location(),
			humanBytes(float64(s.AllocBytes)), strconv.FormatInt(s.AllocObjects, 10), humanBytes(s.AvgObjectBytes()),
			rate, humanBytes(float64(s.InuseBytes)), fmt.Sprintf("%.0f%%", 100*(1-s.RetainedRatio(h.Diff)))}
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
			removed = humanBytes(c.RemovedBytesPerSec) + "/s"
		}
		saved := "-"
		if c.GCCPUSaved > 0 {
			saved = fmt.Sprintf("%.2f%%", 100*c.GCCPUSaved)
		}
		ct.Rows = append(ct.Rows, []string{strconv.Itoa(c.Rank), shortFunc(c.Site.Func), c.GetIn.Location(), typ,
			humanBytes(c.Site.AvgObjectBytes()), removed, saved, humanBytes(float64(c.SizeCapBytes))})
	}
	out = append(out, report.Section{
		ID: SectionPoolCandidates, Title: "sync.Pool candidates",
		Notes:  []string{"GC CPU saved ≈ GC CPU share × share of allocated bytes removed × hit rate (first-order model, see heap.GCContext)"},
		Tables: []report.Table{ct},
	})
	return out
}
