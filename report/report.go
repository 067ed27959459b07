package report

import (
	"fmt"
	"strings"
)

// SchemaVersion is the version of the JSON contract. It changes only when a
// field is removed or changes meaning; new fields may appear at any time.
const SchemaVersion = 1

// Severity ranks findings. The zero value is SeverityInfo.
type Severity int

// Severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name ("high").
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText encodes the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if strings.EqualFold(n, string(b)) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("report: unknown severity %q", b)
}

// Report is everything gdiag says about its inputs.
type Report struct {
	Schema int `json:"schema"`
	// Title names what was analysed, e.g. "goroutines.txt".
	Title  string  `json:"title"`
	Inputs []Input `json:"inputs"`
	// Findings are ordered most important first (see Sort).
	Findings []Finding `json:"findings"`
	// Sections describe the input: summaries, top buckets, heap, GC.
	Sections []Section `json:"sections"`
	// Warnings are problems with the input that did not stop the analysis
	// (skipped lines, missing bundle entries), naming the file.
	Warnings []string `json:"warnings,omitempty"`
}

// Input is one file the report was made from.
type Input struct {
	Name string `json:"name"`
	// Kind is what the content was recognised as ("bundle", "goroutine-text", …).
	Kind string `json:"kind"`
	// Detail is a short human description ("12,345 goroutines, Go 1.26").
	Detail string `json:"detail,omitempty"`
	// Error is set when the input could be read only in part or not at all.
	Error string `json:"error,omitempty"`
}

// Finding is one thing a check found that a user should act on or know.
type Finding struct {
	// Check is the stable, kebab-case check ID, e.g. "leaks/chan-receive-forever".
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Verdict qualifies the finding where the check grades certainty
	// (leaks: "proven-leak", "likely-leak", "suspect", "blocked-benign", "active").
	Verdict string `json:"verdict,omitempty"`
	Title   string `json:"title"`
	// Summary says what was found in one or two sentences.
	Summary string `json:"summary,omitempty"`
	// Evidence lists the facts that led to the finding.
	Evidence []string `json:"evidence,omitempty"`
	// Suggestion says what to change.
	Suggestion string `json:"suggestion,omitempty"`
	// Location is the source position the finding is about ("file.go:123").
	Location string `json:"location,omitempty"`
	// Function is the function at Location.
	Function string `json:"function,omitempty"`
	// CreatedBy is the creation site of the goroutines ("pkg.f at file.go:12").
	CreatedBy string `json:"created_by,omitempty"`
	// Count is how many goroutines, allocation sites or cycles are covered.
	Count int `json:"count,omitempty"`
	// GoroutineIDs are the goroutines covered, where the input has ids.
	GoroutineIDs []int64 `json:"goroutine_ids,omitempty"`
	// Labels count the goroutines by pprof label set, largest first, so a
	// finding says which handler or job started them; omitted when none of
	// them is labelled. A set with no labels counts the unlabelled ones.
	Labels []LabelCount `json:"labels,omitempty"`
	// Metrics carry the numbers behind the finding, keyed with units in the
	// name ("wait_minutes_max", "growth_per_minute", "gc_cpu_share_after").
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// LabelCount is how many goroutines of a finding carry one pprof label set.
type LabelCount struct {
	// Labels maps each label key to its value; empty for goroutines
	// without labels.
	Labels map[string]string `json:"labels"`
	Count  int               `json:"count"`
}

// Section is a titled block of descriptive output.
type Section struct {
	// ID is stable and kebab-case ("goroutine-summary", "top-buckets").
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Notes  []string `json:"notes,omitempty"`
	Tables []Table  `json:"tables,omitempty"`
	// Charts are series to draw (metrics history, leak-site growth); the
	// HTML report draws them, other outputs carry them as data.
	Charts []Chart `json:"charts,omitempty"`
}

// Table is a rectangular block of cells, rendered as a terminal table or an
// HTML table.
type Table struct {
	Title   string     `json:"title,omitempty"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}
