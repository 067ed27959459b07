package sample

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gdiag/gdiag/report"
)

// Report is a representative report: leak, GC and pool findings in
// random order, sections with notes and tables of the kinds the analyzer
// produces, long paths, and a warning.
func Report() *report.Report {
	return &report.Report{
		Title: "flash-sale-20261125-0600.gdiag",
		Inputs: []report.Input{
			{Name: "flash-sale-20261125-0600.gdiag", Kind: "bundle", Detail: "12,345 goroutines, go1.26.8 linux/amd64, GOMAXPROCS 2 (cgroup)"},
			{Name: "old/goroutines.txt", Kind: "goroutine-text", Detail: "9,870 goroutines", Error: "line 4182: malformed frame, 1 goroutine skipped"},
		},
		Findings: []report.Finding{
			{
				Check: "gctune/gogc-too-low", Severity: report.SeverityMedium, Title: "GC runs 41 times a second and uses 28% of CPU",
				Summary:    "GOGC=50 with a live heap of 180 MB makes the GC run every 24 ms at peak.",
				Evidence:   []string{"gc_cycles grew by 2,460 in 60 s", "GC CPU share 28% (assist 11%)"},
				Suggestion: "Set GOGC=200 and GOMEMLIMIT=1.6GiB (80% of the 2 GiB cgroup limit).",
				Metrics:    map[string]float64{"gc_cpu_share": 0.28, "gc_per_second": 41, "gc_cpu_share_after": 0.09},
			},
			{
				Check: "leaks/chan-send-forever", Severity: report.SeverityHigh, Verdict: "likely-leak",
				Title:      "3,072 goroutines blocked sending on a channel nobody receives from",
				Summary:    "Each request starts a worker that sends its result on an unbuffered channel; when the caller times out first, the worker blocks forever.",
				Location:   "/home/build/go/src/github.com/acme/flashsale/internal/checkout/pricing.go:214",
				Function:   "github.com/acme/flashsale/internal/checkout.(*Pricer).quote.func2",
				CreatedBy:  "github.com/acme/flashsale/internal/checkout.(*Pricer).quote at /home/build/go/src/github.com/acme/flashsale/internal/checkout/pricing.go:205",
				Count:      3072,
				Evidence:   []string{"state chan send for up to 42 minutes", "count grew from 1,210 to 3,072 between snapshots (+31/min)", "no goroutine is blocked receiving from the same creation site"},
				Suggestion: "Make the channel buffered (make(chan result, 1)) or select on ctx.Done() when sending.",
				GoroutineIDs: []int64{
					1201, 1202, 1207, 1301, 1302, 1303, 1304, 1305, 1306, 1307, 1308, 1309, 1310,
				},
				Metrics: map[string]float64{"wait_minutes_max": 42, "growth_per_minute": 31.2},
			},
			{
				Check: "pool/candidate", Severity: report.SeverityLow, Title: "bytes.Buffer per request: 1.2 GB/min from one site",
				Location: "internal/api/encode.go:88", Function: "github.com/acme/flashsale/internal/api.encodeOrder", Count: 3,
				Suggestion: "Reuse the buffers with a sync.Pool; expected GC CPU saving 6%.",
			},
			{
				Check: "leaks/nil-chan-receive", Severity: report.SeverityCritical, Verdict: "proven-leak",
				Title:      "16 goroutines blocked forever receiving from a nil channel",
				Location:   "internal/inventory/reserve.go:77",
				Function:   "github.com/acme/flashsale/internal/inventory.(*Reserver).wait",
				CreatedBy:  "github.com/acme/flashsale/internal/inventory.New at internal/inventory/reserve.go:31",
				Count:      16,
				Evidence:   []string{"chan receive (nil chan), 12 minutes"},
				Suggestion: "Initialise r.done in New before starting the goroutine.",
			},
			{
				Check: "leaks/select-no-cancel", Severity: report.SeverityHigh, Verdict: "suspect",
				Title:    "3,072 goroutines in a select without a cancellation case",
				Location: "internal/notify/fanout.go:51", Count: 3072,
			},
			{Check: "gctune/info", Severity: report.SeverityInfo, Title: "GOMAXPROCS=2 comes from the cgroup CPU limit (2 cores)"},
		},
		Sections: []report.Section{
			{
				ID: "goroutine-summary", Title: "Goroutines",
				Notes: []string{"12,345 goroutines in 84 buckets; 3,104 (25%) blocked for more than 10 minutes."},
				Tables: []report.Table{
					{
						Title:   "By blocking operation",
						Columns: []string{"operation", "goroutines", "share", "max wait"},
						Rows: [][]string{
							{"chan send", "3,072", "24.9%", "42 min"},
							{"select", "3,500", "28.4%", "15 min"},
							{"network io", "5,601", "45.4%", "2 min"},
							{"chan receive (nil chan)", "16", "0.1%", "12 min"},
							{"running", "156", "1.3%", ""},
						},
					},
				},
			},
			{
				ID: "top-buckets", Title: "Top buckets",
				Tables: []report.Table{{
					Columns: []string{"count", "state", "wait", "where", "created by"},
					Rows: [][]string{
						{"5,601", "IO wait", "0-2 min", "net/http.(*conn).serve at /usr/local/go/src/net/http/server.go:2102", "net/http.(*Server).Serve at /usr/local/go/src/net/http/server.go:3454"},
						{"3,500", "select", "1-15 min", "github.com/acme/flashsale/internal/notify.(*Fanout).run at internal/notify/fanout.go:51", "github.com/acme/flashsale/internal/notify.(*Fanout).Subscribe at internal/notify/fanout.go:33"},
						{"3,072", "chan send", "5-42 min", "github.com/acme/flashsale/internal/checkout.(*Pricer).quote.func2 at /home/build/go/src/github.com/acme/flashsale/internal/checkout/pricing.go:214", "github.com/acme/flashsale/internal/checkout.(*Pricer).quote at /home/build/go/src/github.com/acme/flashsale/internal/checkout/pricing.go:205"},
						{"16", "chan receive (nil chan)", "12 min", "github.com/acme/flashsale/internal/inventory.(*Reserver).wait at internal/inventory/reserve.go:77", "github.com/acme/flashsale/internal/inventory.New at internal/inventory/reserve.go:31"},
					},
				}},
			},
			{
				ID: "settings", Title: "Runtime settings",
				Tables: []report.Table{{
					Columns: []string{"setting", "value", "source"},
					Rows:    [][]string{{"GOGC", "50", "env GOGC=50"}, {"GOMEMLIMIT", "off", "default"}, {"GOMAXPROCS", "2", "cgroup cpu.max 200000 100000"}},
				}},
			},
		},
		Warnings: []string{"old/goroutines.txt: line 4182: malformed frame, 1 goroutine skipped"},
	}
}

// Hostile is a report that carries strings that must never reach a page or
// terminal unescaped.
func Hostile() *report.Report {
	return &report.Report{
		Title:  `</title><script>alert("title")</script>`,
		Inputs: []report.Input{{Name: `"><img src=x onerror=alert(1)>`, Kind: "goroutine-text"}},
		Findings: []report.Finding{{
			Check: "leaks/x", Severity: report.SeverityHigh, Title: "<script>alert(1)</script>",
			Evidence:   []string{"label user=\x1b[31mred\x1b[0m", "<iframe src=https://evil.example/>"},
			Suggestion: `<a href="javascript:alert(1)">fix</a>`,
			Location:   "x.go:1\nforged line",
			Metrics:    map[string]float64{"nan": math.NaN(), "inf": math.Inf(1), "ok": 1},
		}},
		Sections: []report.Section{{
			ID: "s", Title: "<b>bold</b>",
			Notes:  []string{"<style>body{display:none}</style>"},
			Tables: []report.Table{{Columns: []string{"<th>"}, Rows: [][]string{{`<img src="http://evil.example/x.png">`}}}},
		}},
	}
}

// Golden compares got with testdata/name, or rewrites the file when update
// is set (each test package's -update flag). The three report packages'
// golden tests share it.
func Golden(t testing.TB, update bool, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; rerun with -update if the change is intended.\n--- got ---\n%s", name, got)
	}
}
