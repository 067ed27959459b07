package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestAnalyzeGolden pins the whole path a user takes, end to end: a real
// bundle captured by the collector from the flash-sale fixture
// (testdata/README.md says how it was made) → gdiag analyze --format json →
// the bytes docs/json.md documents. Nothing is normalised: the analysis of
// a fixed bundle is deterministic and the only field that depends on the
// invocation, the input's name, is the fixed relative path given here.
// -update rewrites the golden file; review its diff.
func TestAnalyzeGolden(t *testing.T) {
	const in = "testdata/flashsale.gdiag"
	golden := filepath.Join("testdata", "flashsale.analyze.golden.json")
	code, out, errs := runIn(t, "analyze", "--format", "json", in)
	if code != exitOK {
		t.Fatalf("exit %d; stderr %s", code, errs)
	}
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(out), want) {
		t.Errorf("gdiag analyze --format json %s differs from %s; run go test ./cmd/gdiag -run TestAnalyzeGolden -update and review the diff", in, golden)
	}

	// The golden file is only worth pinning if it says what the fixture's
	// faults are: the runtime-proven sender leak first, contention and pool
	// advice after it, in report.Sort's order.
	r := readReport(t, out)
	if len(r.Findings) == 0 || r.Findings[0].Check != leaks.CheckChanSend || r.Findings[0].Verdict != "proven-leak" {
		t.Errorf("first finding %+v, want the proven %s", r.Findings[:min(1, len(r.Findings))], leaks.CheckChanSend)
	}
	sorted := *r
	sorted.Findings = append([]report.Finding(nil), r.Findings...)
	sorted.Sort()
	for i := range r.Findings {
		if r.Findings[i].Check != sorted.Findings[i].Check || r.Findings[i].Title != sorted.Findings[i].Title {
			t.Fatalf("finding %d is %s, report.Sort puts %s there", i, r.Findings[i].Check, sorted.Findings[i].Check)
		}
	}
	seen := map[string]bool{}
	for _, f := range r.Findings {
		seen[f.Check] = true
	}
	for _, c := range []string{leaks.CheckChanReceive, heap.CheckCandidate, "contention/mutex-hot"} {
		if !seen[c] {
			t.Errorf("no %s finding in %v", c, checksOf(r))
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "json.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		for k := range f.Metrics {
			if !bytes.Contains(doc, []byte("`"+k+"`")) {
				t.Errorf("%s: metrics key %q is not documented in docs/json.md", f.Check, k)
			}
		}
	}
	for _, s := range r.Sections {
		if !bytes.Contains(doc, []byte("| `"+s.ID+"` |")) {
			t.Errorf("section ID %q is not in the section table of docs/json.md", s.ID)
		}
	}
	ids := map[string]bool{}
	for _, c := range analyzer.Checks() {
		ids[c.ID] = true
	}
	for _, f := range r.Findings {
		if !ids[f.Check] {
			t.Errorf("finding of check %q, which analyzer.Checks does not list", f.Check)
		}
	}
}
