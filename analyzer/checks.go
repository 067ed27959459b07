package analyzer

import (
	"github.com/gdiag/gdiag/contention"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
)

// Checks returns the public description of every check Analyze runs: the
// leak checks, the GC and scheduler checks, the pool and heap checks and the
// lock contention checks.
// docs/checks.md holds the table report.CheckTable makes of it. It returns a
// new slice on each call.
func Checks() []report.Check {
	var out []report.Check
	for _, list := range []report.CheckList{leaks.Checks, gctune.Checks, heap.Checks, contention.Checks} {
		out = append(out, list()...)
	}
	return out
}
