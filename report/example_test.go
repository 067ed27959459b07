package report_test

import (
	"bytes"
	"fmt"

	"github.com/gdiag/gdiag/report"
)

func ExampleReport_Sort() {
	r := &report.Report{Findings: []report.Finding{
		{Check: "leaks/select-no-cancel", Severity: report.SeverityMedium, Count: 24},
		{Check: "leaks/chan-receive-forever", Severity: report.SeverityHigh, Count: 1000},
	}}
	r.Sort()
	for _, f := range r.Findings {
		fmt.Println(f.Severity, f.Count, f.Check)
	}
	// Output:
	// high 1000 leaks/chan-receive-forever
	// medium 24 leaks/select-no-cancel
}

func ExampleWriteJSON() {
	var b bytes.Buffer
	if err := report.WriteJSON(&b, &report.Report{Title: "empty.txt"}); err != nil {
		fmt.Println(err)
	}
	fmt.Print(b.String())
	// Output:
	// {
	//   "schema": 1,
	//   "title": "empty.txt",
	//   "inputs": [],
	//   "findings": [],
	//   "sections": []
	// }
}

func ExampleCheckTable() {
	fmt.Print(report.CheckTable([]report.Check{
		{ID: "leaks/chan-receive-forever", Severity: report.SeverityHigh, Title: "Goroutines blocked receiving forever"},
		{ID: "gctune/gogc-too-low", Severity: report.SeverityMedium, Title: "GC runs too often", Doc: "Raise GOGC."},
	}))
	// Output:
	// | Check | Severity | Finds | Details |
	// |---|---|---|---|
	// | `gctune/gogc-too-low` | medium | GC runs too often | Raise GOGC. |
	// | `leaks/chan-receive-forever` | high | Goroutines blocked receiving forever |  |
}
