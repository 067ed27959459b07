package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/report"
)

func runIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func trace(name string) string { return filepath.Join("..", "..", "gctune", "testdata", name) }

func readReport(t *testing.T, s string) *report.Report {
	t.Helper()
	r, err := report.ReadJSON(strings.NewReader(s))
	if err != nil {
		t.Fatalf("ReadJSON: %v\n%s", err, s)
	}
	return r
}

func checksOf(r *report.Report) []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.Check)
	}
	return ids
}

func TestRecommend(t *testing.T) {
	for _, tt := range []struct {
		name      string
		give      []string
		wantCode  int
		wantCheck bool // gctune/gogc-too-low reported
	}{
		{"GOGC=50 trace, default objective", []string{trace("gogc50.txt")}, exitOK, true},
		{"objective met", []string{trace("gogc50.txt"), "--gc-cpu-target", "0.9"}, exitOK, false},
		{"fail on medium", []string{trace("gogc50.txt"), "--fail-on", "low"}, exitFindings, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runIn(t, append([]string{"recommend", "--format", "json"}, tt.give...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.wantCode, errs)
			}
			r := readReport(t, out)
			if got := slices.Contains(checksOf(r), gctune.CheckGOGCTooLow); got != tt.wantCheck {
				t.Errorf("%s reported = %v, want %v (%v)", gctune.CheckGOGCTooLow, got, tt.wantCheck, checksOf(r))
			}
			var ids []string
			for _, s := range r.Sections {
				ids = append(ids, s.ID)
			}
			if !slices.Contains(ids, gctune.SectionGCSummary) || !slices.Contains(ids, gctune.SectionWhatIf) {
				t.Errorf("sections %v, want the GC summary and what-if", ids)
			}
		})
	}
}

func TestRecommendNoGCData(t *testing.T) {
	dump := filepath.Join(t.TempDir(), "goroutines.txt")
	buf := make([]byte, 1<<20)
	if err := os.WriteFile(dump, buf[:runtime.Stack(buf, true)], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runIn(t, "recommend", dump)
	if code != exitUsage || !strings.Contains(errs, "no GC data") {
		t.Errorf("exit %d, stderr %q; want %d and a message", code, errs, exitUsage)
	}
	if strings.Contains(out, "Top goroutine buckets") {
		t.Errorf("recommend printed goroutine sections:\n%s", out)
	}
}

func TestRecommendBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"recommend"},
		{"recommend", trace("gogc50.txt"), "--headroom", "1.5"},
		{"recommend", trace("gogc50.txt"), "--gc-cpu-target", "0"},
		{"recommend", trace("gogc50.txt"), "--memory-budget", "lots"},
		{"recommend", trace("gogc50.txt"), "--format", "xml"},
		{"gctune", "--alloc-rate", "800MiB/s"},
		{"gctune", "--live-heap", "2GiB", "--alloc-rate", "800MiB/fortnight"},
		{"gctune", "--live-heap", "2GiB", "--alloc-rate", "800MiB/s", "--gogc", "fast"},
		{"gctune", "--live-heap", "2GiB", "--alloc-rate", "800MiB/s", "extra"},
	} {
		if code, _, errs := runIn(t, args...); code != exitUsage || errs == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, code, errs, exitUsage)
		}
	}
}

// TestGCTuneWhatIf checks the what-if table against the GC guide's
// arithmetic: doubling GOGC halves the cycle rate while the limit does not
// bind, and a 4 GiB limit caps the heap goal of the large GOGC values.
func TestGCTuneWhatIf(t *testing.T) {
	code, out, errs := runIn(t, "gctune", "--live-heap", "1GiB", "--alloc-rate", "800MiB/s", "--memory-limit", "4GiB",
		"--gogc", "50,100,200,400,off", "--gomaxprocs", "8", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := readReport(t, out)
	if len(r.Sections) != 1 || len(r.Sections[0].Tables) != 1 {
		t.Fatalf("sections %+v", r.Sections)
	}
	rows := r.Sections[0].Tables[0].Rows
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	cyc := make([]float64, len(rows))
	for i, row := range rows {
		v, err := strconv.ParseFloat(row[1], 64)
		if err != nil {
			t.Fatalf("row %v: cycles/s: %v", row, err)
		}
		cyc[i] = v
	}
	if ratio := cyc[0] / cyc[1]; ratio < 1.9 || ratio > 2.1 {
		t.Errorf("GOGC=50 vs 100 cycle rates %.2f / %.2f = %.2f, want 2", cyc[0], cyc[1], ratio)
	}
	// Goal at GOGC=400 would be 5 GiB: the 4 GiB limit binds, as for off.
	if rows[3][4] != rows[4][4] || !strings.HasPrefix(rows[4][0], "GOGC=off GOMEMLIMIT=4GiB") {
		t.Errorf("GOGC=400 and off rows under the limit: %v / %v", rows[3], rows[4])
	}
}
