package report

import (
	"cmp"
	"slices"
	"strings"
)

// Sort orders r.Findings most important first: goroutine leak findings
// (check IDs in the "leaks/" area) before all others, since a leak is usually
// the cause of the GC, heap and contention symptoms reported beside it; then
// by Severity (highest first), then Count (largest first), then Check
// (ascending). Findings equal in all
// of these keep the order their check gave them — checks rank their own
// findings (pool candidates by the GC CPU they save, for example), and
// location order would undo that — so the result is deterministic for
// deterministic input. Cost: O(n log n); not safe for
// concurrent use with readers of r.
func (r *Report) Sort() {
	slices.SortStableFunc(r.Findings, compareFindings)
}

// leakArea is the check-ID prefix of the findings Sort puts first.
const leakArea = "leaks/"

func compareFindings(a, b Finding) int {
	if al, bl := strings.HasPrefix(a.Check, leakArea), strings.HasPrefix(b.Check, leakArea); al != bl {
		if al {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Count, a.Count); c != 0 {
		return c
	}
	return cmp.Compare(a.Check, b.Check)
}
