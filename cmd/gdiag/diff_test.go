package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/leaks"
)

func leakdata(name string) string { return filepath.Join("..", "..", "leaks", "testdata", name) }

func TestDiffCommand(t *testing.T) {
	bundles := []string{leakdata("series-1.gdiag"), leakdata("series-2.gdiag"), leakdata("series-3.gdiag")}
	texts := []string{leakdata("series-1.txt"), leakdata("series-2.txt"), leakdata("series-3.txt")}
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantCheck string // a finding that must be there ("" = no findings)
		wantWarn  string
	}{
		{name: "bundles in time order", args: append([]string{"diff", "--format", "json"}, bundles...), wantCode: exitOK, wantCheck: leaks.CheckChanSend},
		{name: "loose dumps in file order", args: append([]string{"diff", "--format", "json"}, texts...), wantCode: exitOK, wantCheck: leaks.CheckChanSend, wantWarn: "no capture times"},
		{name: "ignore by creator", args: append([]string{"diff", "--format", "json", "--ignore", `creator=^main\.fetchWithTimeout$`}, bundles...), wantCode: exitOK},
		{name: "fail-on high", args: append([]string{"diff", "--format", "json", "--fail-on", "high"}, bundles...), wantCode: exitFindings, wantCheck: leaks.CheckChanSend},
		{name: "two snapshots", args: []string{"diff", "--format", "json", bundles[0], bundles[2]}, wantCode: exitOK, wantCheck: leaks.CheckChanSend},
		// Bundles carry their capture time: given newest first they are
		// put back in time order (this printed "No findings." before).
		{name: "bundles newest first", args: []string{"diff", "--format", "json", bundles[2], bundles[0], bundles[1]}, wantCode: exitOK, wantCheck: leaks.CheckChanSend,
			wantWarn: "inputs put in capture-time order: " + strings.Join(bundles, " → ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runIn(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.wantCode, errs)
			}
			r := readReport(t, out)
			if tt.wantCheck == "" && len(r.Findings) > 0 {
				t.Errorf("findings %v, want none", checksOf(r))
			}
			if tt.wantCheck != "" {
				found := false
				for _, f := range r.Findings {
					if f.Check == tt.wantCheck && strings.HasSuffix(f.Location, "series/main.go:83") && f.Verdict == "likely-leak" && len(f.GoroutineIDs) == f.Count {
						found = true
					}
					if strings.Contains(f.Function, "main.handle") || strings.Contains(f.Function, "poolMember") || strings.Contains(f.Function, "idleWorker") {
						t.Errorf("churning or flat bucket reported: %s %s", f.Verdict, f.Function)
					}
				}
				if !found {
					t.Errorf("no likely %s at series/main.go:83 in %v", tt.wantCheck, checksOf(r))
				}
			}
			if tt.wantWarn != "" && !strings.Contains(strings.Join(r.Warnings, "\n"), tt.wantWarn) {
				t.Errorf("warnings %q lack %q", r.Warnings, tt.wantWarn)
			}
			var diffSec bool
			for _, s := range r.Sections {
				diffSec = diffSec || s.ID == "diff"
			}
			if !diffSec {
				t.Error("no diff section")
			}
		})
	}
}

func TestDiffUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"one input", []string{"diff", leakdata("series-1.txt")}},
		{"bad rule kind", []string{"diff", "--ignore", "file=x", leakdata("series-1.txt"), leakdata("series-2.txt")}},
		{"bad regex", []string{"diff", "--ignore", "func=(", leakdata("series-1.txt"), leakdata("series-2.txt")}},
		{"bad similarity", []string{"diff", "--similarity", "fuzzy", leakdata("series-1.txt"), leakdata("series-2.txt")}},
		{"bad fail-on", []string{"diff", "--fail-on", "loud", leakdata("series-1.txt"), leakdata("series-2.txt")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := runIn(t, tt.args...); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
		})
	}
}

// TestAnalyzeLeakProfileBeside: a text dump and the goroutineleak profile of
// the same moment given as two files are judged together.
func TestAnalyzeLeakProfileBeside(t *testing.T) {
	for _, order := range [][]string{
		{leakdata("patterns.txt"), leakdata("patterns.goroutineleak.pb.gz")},
		{leakdata("patterns.goroutineleak.txt"), leakdata("patterns.txt")},
	} {
		code, out, errs := runIn(t, append([]string{"analyze", "--format", "json"}, order...)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		r := readReport(t, out)
		proven := 0
		for i, f := range r.Findings {
			if f.Verdict == "proven-leak" {
				proven++
			}
			if i > 0 && strings.HasPrefix(f.Check, "leaks/") && !strings.HasPrefix(r.Findings[i-1].Check, "leaks/") {
				t.Errorf("leak finding %s after a non-leak finding", f.Check)
			}
			if strings.HasPrefix(f.Check, "leaks/") && (f.Verdict == "" || len(f.Evidence) == 0 || len(f.GoroutineIDs) == 0) {
				t.Errorf("leak finding without verdict, evidence or ids: %+v", f)
			}
		}
		// nil chan, select {}, and the nine channel and sync leaks the profile proves.
		if proven != 11 {
			t.Errorf("%v: %d proven leaks, want 11: %v", order, proven, checksOf(r))
		}
	}
	code, out, _ := runIn(t, "analyze", "--format", "json", "--ignore", `top=^main\.`, leakdata("patterns.txt"))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, f := range readReport(t, out).Findings {
		if strings.HasPrefix(f.Function, "main.") {
			t.Errorf("--ignore top=^main\\. left %s", f.Function)
		}
	}
}
