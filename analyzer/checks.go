package analyzer

import (
	"github.com/gdiag/gdiag/contention"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
)

// poolSeverity is the highest severity package pool reports for each of its
// checks (heap.Checks documents IDs and summaries only).
func poolSeverity(id string) report.Severity {
	switch id {
	case heap.CheckCandidate, heap.CheckInuseGrowth:
		return report.SeverityHigh
	case heap.CheckAlreadyPooled, heap.CheckSizeVaries:
		return report.SeverityLow
	}
	return report.SeverityInfo
}

// Checks returns the public description of every check Analyze runs: the
// leak checks, the GC and scheduler checks, the pool and heap checks and the
// lock contention checks.
// docs/checks.md holds the table report.CheckTable makes of it. It returns a
// new slice on each call.
func Checks() []report.Check {
	out := leaks.Checks()
	for _, c := range gctune.Checks() {
		out = append(out, report.Check{ID: c.ID, Severity: c.Severity, Title: c.Title, Doc: c.Doc})
	}
	for _, c := range heap.Checks() {
		out = append(out, report.Check{ID: c.ID, Severity: poolSeverity(c.ID), Title: c.Summary})
	}
	for _, c := range contention.Checks() {
		out = append(out, report.Check{ID: c.ID, Severity: c.Severity, Title: c.Summary, Doc: c.Doc})
	}
	return out
}
