package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Check is the public description of one check: its stable ID, the highest
// severity it reports, a one-line title and a longer explanation. Checks
// publish these so that docs/checks.md can be generated from the code.
type Check struct {
	// ID is the stable kebab-case check ID ("leaks/chan-receive-forever").
	ID       string
	Severity Severity
	// Title says in a line what the check finds.
	Title string
	// Doc explains when it fires and what to do; Markdown inline syntax is
	// allowed, newlines are folded into spaces.
	Doc string
}

// CheckTable returns a Markdown table of checks sorted by ID, one row per
// check: ID (as code), severity, title and description. Pipes and newlines in
// the text are escaped so each check stays one row. The result ends with a
// newline. It is deterministic: the same checks in any order give the same
// text.
func CheckTable(checks []Check) string {
	sorted := slices.Clone(checks)
	slices.SortStableFunc(sorted, func(a, b Check) int { return cmp.Compare(a.ID, b.ID) })
	var b strings.Builder
	b.WriteString("| Check | Severity | Finds | Details |\n")
	b.WriteString("|---|---|---|---|\n")
	for _, c := range sorted {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", mdCell(c.ID), c.Severity, mdCell(c.Title), mdCell(c.Doc))
	}
	return b.String()
}

// mdCell makes s safe inside one Markdown table cell.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// Result is the contract of every check's analysis (leaks.Result,
// gctune.Result, heap.Result, contention.Result): a check package exports
//
//   - Options, a struct whose zero value is the documented default;
//   - Analyze(in Input, opts Options) (*Result, error), which computes the
//     facts once (partial results with an error where still true);
//   - (*Result).Findings and (*Result).Sections, which present those facts
//     without recomputing them;
//   - Checks() []Check, the public description of its check IDs.
//
// Each check package asserts its shape at compile time:
//
//	var (
//		_ report.Result    = (*Result)(nil)
//		_ report.CheckList = Checks
//	)
//
// The analyzer only loads inputs, runs the checks, passes facts forward
// (one GC result per input prices the heap's pool advice) and orders the
// findings with Report.Sort. docs/checks.md ("Writing a check") says more.
type Result interface {
	// Findings returns the check's findings in the check's own rank order
	// (Report.Sort keeps it among findings that tie).
	Findings() []Finding
	// Sections returns the descriptive sections, nil when there is
	// nothing to describe.
	Sections() []Section
}

// CheckList is the type of every check package's Checks function: the
// public description of the check IDs it reports, a new slice on each call.
type CheckList func() []Check
