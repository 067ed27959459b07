package text_test

import (
	"fmt"
	"os"

	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/text"
)

func exampleReport() *report.Report {
	return &report.Report{
		Title:  "goroutines.txt",
		Inputs: []report.Input{{Name: "goroutines.txt", Kind: "goroutine-text", Detail: "1,040 goroutines"}},
		Findings: []report.Finding{
			{Check: "leaks/select-no-cancel", Severity: report.SeverityMedium, Title: "24 goroutines in a select without cancellation", Count: 24},
			{
				Check: "leaks/chan-receive-forever", Severity: report.SeverityHigh, Verdict: "likely-leak",
				Title: "1,000 goroutines blocked receiving from a channel nobody sends on", Count: 1000,
				Function: "main.worker", Location: "/src/app/worker.go:42",
				CreatedBy:  "main.start at /src/app/main.go:17",
				Evidence:   []string{"chan receive for up to 31 minutes"},
				Suggestion: "Close the channel when the producer is done, or select on ctx.Done().",
			},
		},
		Sections: []report.Section{{
			ID: "goroutine-summary", Title: "Goroutines",
			Tables: []report.Table{{
				Columns: []string{"operation", "goroutines"},
				Rows:    [][]string{{"chan receive", "1,000"}, {"select", "40"}},
			}},
		}},
	}
}

// ExampleWrite prints the short view: the findings in brief, and the
// sections -v (Options.Verbose) would add.
func ExampleWrite() {
	r := exampleReport()
	r.Sort()
	if err := text.Write(os.Stdout, r, text.Options{Width: 80}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// gdiag report: goroutines.txt
	//   input  goroutines.txt (goroutine-text): 1,040 goroutines
	//
	// 2 findings: 1 high, 1 medium
	//
	// 1. HIGH      1,000 goroutines blocked receiving from a channel nobody sends on
	//   check       leaks/chan-receive-forever (likely-leak), count 1,000
	//   where       main.worker at /src/app/worker.go:42
	//   created by  main.start at /src/app/main.go:17
	//   suggestion  Close the channel when the producer is done, or select on
	//               ctx.Done().
	//
	// 2. MEDIUM    24 goroutines in a select without cancellation
	//   check       leaks/select-no-cancel, count 24
	//
	// -v shows every section in full
}
