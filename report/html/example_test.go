package html_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/html"
)

func ExampleWrite() {
	var b bytes.Buffer
	if err := html.Write(&b, &report.Report{
		Title: "goroutines.txt",
		Findings: []report.Finding{{
			Check: "leaks/chan-receive-forever", Severity: report.SeverityHigh,
			Title: "1,000 goroutines blocked receiving from a channel nobody sends on", Count: 1000,
		}},
	}); err != nil {
		fmt.Println(err)
	}
	page := b.String()
	fmt.Println(strings.HasPrefix(page, "<!DOCTYPE html>"), strings.Contains(page, `class="finding high"`))
	// Output: true true
}
