package html_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/html"
	"github.com/gdiag/gdiag/report/internal/sample"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestGolden(t *testing.T) {
	r := sample.Report()
	r.Sort()
	var b bytes.Buffer
	if err := html.Write(&b, r); err != nil {
		t.Fatal(err)
	}
	sample.Golden(t, *update, "sample.html", b.Bytes())
}

var (
	externalRef = regexp.MustCompile(`(?i)<[^>]*\s(src|href|action|poster|data|srcset)\s*=\s*["']?\s*(https?:)?//`)
	cssURL      = regexp.MustCompile(`(?i)url\(|@import`)
	scriptTag   = regexp.MustCompile(`(?i)<script[^>]*>`)
)

func TestHTMLSelfContained(t *testing.T) {
	for _, r := range []*report.Report{sample.Report(), sample.Hostile(), {}} {
		var b bytes.Buffer
		if err := html.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		if m := externalRef.FindString(page); m != "" {
			t.Errorf("external reference %q in HTML", m)
		}
		if m := cssURL.FindString(page); m != "" {
			t.Errorf("CSS fetch %q in HTML", m)
		}
		if strings.Contains(strings.ToLower(page), "<link") {
			t.Error("HTML contains a <link> element")
		}
		// Two scripts, both inline: the chart data and the page's code.
		if tags := scriptTag.FindAllString(page, -1); len(tags) != 2 || tags[0] != `<script type="application/json" id="gdiag-data">` || tags[1] != "<script>" {
			t.Errorf("script tags %q, want the data block and one inline script", tags)
		}
		if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
			t.Error("HTML is not one complete document")
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := html.Write(&b, sample.Hostile()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script>alert", "<img", "<iframe", "<b>bold", "<style>body", `href="javascript:`, "<th><th>", "onerror=alert(1)>"} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;bold&lt;/b&gt;"} {
		if !strings.Contains(page, good) {
			t.Errorf("HTML lacks the escaped text %q", good)
		}
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteError(t *testing.T) {
	err := html.Write(errWriter{}, sample.Report())
	if want := "report: writing html: "; err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("error = %v, want prefix %q and the cause", err, want)
	}
}

// TestChartData: the charts reach the page as JSON in a data block that a
// hostile series name cannot close, and decode back to the report's values.
func TestChartData(t *testing.T) {
	r := sample.Report()
	hostile := `</script><script>alert(1)</script><!--`
	r.Sections = append(r.Sections, report.Section{ID: "metrics-history", Title: "Metrics history", Charts: []report.Chart{{
		ID: "memory", Title: "Heap", Unit: report.UnitBytes, XUnit: report.XTime, X: []float64{1, 2, 3},
		Series: []report.Series{{Name: hostile, Values: report.Values{1 << 20, math.NaN(), 3 << 20}}},
	}}})
	var b bytes.Buffer
	if err := html.Write(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "</script><script>alert") || strings.Contains(page, "<!--") {
		t.Fatal("the series name closed the data block")
	}
	const open = `<script type="application/json" id="gdiag-data">`
	_, rest, ok := strings.Cut(page, open)
	block, _, ok2 := strings.Cut(rest, "</script>")
	if !ok || !ok2 {
		t.Fatal("no data block")
	}
	var data struct {
		Charts []struct {
			DOMID  string `json:"dom_id"`
			Unit   string
			Series []struct {
				Name   string
				Values []*float64
			}
		}
	}
	if err := json.Unmarshal([]byte(block), &data); err != nil {
		t.Fatalf("data block is not JSON: %v\n%s", err, block)
	}
	if len(data.Charts) != 1 || data.Charts[0].Series[0].Name != hostile || data.Charts[0].Unit != "bytes" {
		t.Fatalf("data block decodes to %+v", data)
	}
	v := data.Charts[0].Series[0].Values
	if len(v) != 3 || v[0] == nil || *v[0] != 1<<20 || v[1] != nil {
		t.Errorf("values %v, want 1 MiB, null, 3 MiB", v)
	}
	if !strings.Contains(page, `id="`+data.Charts[0].DOMID+`"`) {
		t.Errorf("no element for chart %s", data.Charts[0].DOMID)
	}
}

// TestNoCharts: without metrics history or snapshots the chart section says
// why, naming the inputs.
func TestNoCharts(t *testing.T) {
	var b bytes.Buffer
	if err := html.Write(&b, &report.Report{Title: "goroutines.txt", Inputs: []report.Input{{Name: "goroutines.txt", Kind: "goroutine-text"}}}); err != nil {
		t.Fatal(err)
	}
	if want := "No charts: goroutines.txt (goroutine-text) carries no runtime/metrics history"; !strings.Contains(b.String(), want) {
		t.Errorf("page lacks %q", want)
	}
}

// TestNamesBreakAtSeparators: long Go names may wrap after "/" and "."
// (a <wbr>), and nothing in the CSS breaks words anywhere.
func TestNamesBreakAtSeparators(t *testing.T) {
	var b bytes.Buffer
	r := &report.Report{Findings: []report.Finding{{Check: "leaks/x", Title: "t", Function: "github.com/acme/shop/internal/checkout.(*Pricer).quote", Location: "/src/shop/internal/checkout/pricing.go:214"}}}
	if err := html.Write(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.Contains(page, "github.<wbr>com/<wbr>acme/<wbr>shop/<wbr>internal/<wbr>checkout.<wbr>(<wbr>*Pricer).<wbr>quote") {
		t.Error("no <wbr> after the separators of the function name")
	}
	for _, bad := range []string{"break-all", "overflow-wrap: anywhere", "word-break: break-word"} {
		if strings.Contains(page, bad) {
			t.Errorf("CSS has %q, which breaks names mid-word", bad)
		}
	}
}
