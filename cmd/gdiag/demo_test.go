package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/report"
)

// TestDemo runs a short demo in-process: the flash-sale service with every
// fault, a real capture over loopback HTTP, the analysis. The bundle must be
// on disk and valid, and the report must show the leaked goroutines at
// their lines in the fixture.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Now()
	// 4 s puts the capture 2.45 s into the load: enough payments for the
	// context-leak watchers even under -race on a loaded machine.
	code, stdout, stderr := runCLI(t, "demo", "--duration", "4s", "--seconds", "0.5", "--concurrency", "4", "--dir", dir, "--format", "json", "--top", "-1")
	if code != exitOK {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, stderr, stdout)
	}
	t.Logf("demo took %v", time.Since(t0))
	files, _ := filepath.Glob(filepath.Join(dir, "gdiag-demo-*.gdiag"))
	if len(files) != 1 {
		t.Fatalf("bundles in %s: %v, want one", dir, files)
	}
	b, err := bundle.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []bundle.Kind{bundle.KindGoroutineText, bundle.KindGoroutineProfile, bundle.KindHeap, bundle.KindCPU, bundle.KindMutex, bundle.KindTrace, bundle.KindMetrics} {
		if _, ok := b.Lookup(k); !ok {
			t.Errorf("bundle has no %s entry", k)
		}
	}
	if sd := b.Manifest.StackDump; sd == nil || !sd.Taken {
		t.Errorf("stack dump %+v: the demo asks for full=1", sd)
	}

	// The report: the leaked goroutines are in the goroutine buckets, at
	// their blocking lines in the fixture's leak.go.
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, stdout)
	}
	var where []string
	for _, sec := range rep.Sections {
		if sec.ID != "top-buckets" {
			continue
		}
		for _, tab := range sec.Tables {
			col := slices.Index(tab.Columns, "where")
			for _, row := range tab.Rows {
				if col >= 0 && col < len(row) {
					where = append(where, row[col])
				}
			}
		}
	}
	for _, leak := range []string{"(*Service).pollHoldExpiry (flashsale/leak.go:", "(*Service).awaitSettlement (flashsale/leak.go:", "(*Service).sendRiskResult (flashsale/leak.go:"} {
		if !slices.ContainsFunc(where, func(w string) bool { return strings.Contains(w, leak) }) {
			t.Errorf("buckets %q lack %q", where, leak)
		}
	}
	// The hot-SKU convoy is named by the contention check.
	if !slices.ContainsFunc(rep.Findings, func(f report.Finding) bool {
		return f.Check == "contention/mutex-hot" && strings.Contains(f.Function, "reserveHoldingLock")
	}) {
		var checks []string
		for _, f := range rep.Findings {
			checks = append(checks, f.Check+" "+f.Function)
		}
		var tables []report.Table
		for _, sec := range rep.Sections {
			if strings.HasPrefix(sec.ID, "contention") {
				tables = append(tables, sec.Tables...)
			}
		}
		t.Errorf("no contention/mutex-hot finding at reserveHoldingLock; findings: %q; contention tables: %v", checks, tables)
	}
	for _, want := range []string{"capturing http://127.0.0.1:", "/debug/gdiag/bundle?seconds=0.5&full=1", "load done:", "leaked",
		"The bundle stays on disk: " + files[0], "gdiag analyze " + files[0], "go tool pprof -http=: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestDemoFlags(t *testing.T) {
	tests := []struct {
		name string
		give []string
	}{
		{"bad fault", []string{"--faults", "slow-disk"}},
		{"zero duration", []string{"--duration", "0s"}},
		{"window longer than load", []string{"--duration", "1s", "--seconds", "2"}},
		{"bad format", []string{"--format", "pdf"}},
		{"stray argument", []string{"now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := runCLI(t, append([]string{"demo"}, tt.give...)...); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
		})
	}
}

func TestPlanDemo(t *testing.T) {
	tests := []struct {
		name    string
		d       time.Duration
		seconds float64
		wantAt  time.Duration
	}{
		{"default", 6 * time.Second, 2, 2550 * time.Millisecond},
		{"window ends before the spike does", 10 * time.Second, 1, 6750 * time.Millisecond},
		{"window longer than the spike starts with it", 2 * time.Second, 2, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planDemo(tt.d, tt.seconds, 8)
			if p.captureAt != tt.wantAt {
				t.Errorf("captureAt %v, want %v", p.captureAt, tt.wantAt)
			}
			if got := p.shape.Ramp + p.shape.Spike + p.shape.Steady; got != tt.d {
				t.Errorf("phases sum to %v, want %v", got, tt.d)
			}
			if p.shape.SpikeConcurrency != 32 {
				t.Errorf("spike concurrency %d", p.shape.SpikeConcurrency)
			}
		})
	}
}
