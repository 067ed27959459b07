package analyzer

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/leaks"
)

func loadLeakInput(t *testing.T, name string) *Input {
	t.Helper()
	in, err := Load(filepath.Join("..", "leaks", "testdata", name), LoadOptions{Workers: 1})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return in
}

func TestAnalyzeLeaks(t *testing.T) {
	series := []*Input{loadLeakInput(t, "series-1.gdiag"), loadLeakInput(t, "series-2.gdiag"), loadLeakInput(t, "series-3.gdiag")}
	patterns := loadLeakInput(t, "patterns.txt")
	profile := loadLeakInput(t, "patterns.goroutineleak.pb.gz")
	tests := []struct {
		name       string
		give       []*Input
		opts       Options
		wantVerdts map[string]int // verdict → number of leak findings
		wantNote   string
	}{
		{name: "series bundles give growth", give: series,
			wantVerdts: map[string]int{"likely-leak": 1, "suspect": 2}, wantNote: "growth and age from 3 snapshots"},
		{name: "dump alone", give: []*Input{patterns},
			wantVerdts: map[string]int{"proven-leak": 2, "likely-leak": 1, "suspect": 4}, wantNote: "no goroutineleak profile"},
		{name: "profile after the dump", give: []*Input{patterns, profile},
			wantVerdts: map[string]int{"proven-leak": 11, "suspect": 2}, wantNote: "judged with Go's goroutineleak profile"},
		{name: "profile before the dump", give: []*Input{profile, patterns},
			wantVerdts: map[string]int{"proven-leak": 11, "suspect": 2}, wantNote: "51 goroutines proven"},
		{name: "filter keeps the senders only", give: []*Input{patterns, profile}, opts: Options{Leaks: leaks.Options{Filter: regexp.MustCompile(`sendAfterTimeout`)}},
			wantVerdts: map[string]int{"proven-leak": 1}},
		{name: "ignore rule", give: []*Input{patterns, profile},
			opts: Options{Leaks: leaks.Options{Ignore: []leaks.Rule{mustParseRule(t, `top=^main\.`)}}},
			// The unread response bodies hold net/http goroutines: no main. frame.
			wantVerdts: map[string]int{"suspect": 1}, wantNote: "ignored by --ignore rules"},
		{name: "all buckets", give: []*Input{patterns}, opts: Options{Leaks: leaks.Options{All: true}},
			wantVerdts: map[string]int{"proven-leak": 2, "likely-leak": 1, "suspect": 4, "blocked-benign": 13, "active": 1}},
		{name: "recommend focus has no leak findings", give: []*Input{patterns}, opts: Options{Focus: FocusRecommend},
			wantVerdts: map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(tt.give, tt.opts)
			got := map[string]int{}
			for i, f := range r.Findings {
				if !strings.HasPrefix(f.Check, "leaks/") {
					continue
				}
				if i > 0 && !strings.HasPrefix(r.Findings[i-1].Check, "leaks/") {
					t.Errorf("leak finding %s after a non-leak one", f.Check)
				}
				got[f.Verdict]++
			}
			for v, n := range tt.wantVerdts {
				if got[v] != n {
					t.Errorf("%d %s findings, want %d (all: %v)", got[v], v, n, got)
				}
			}
			for v, n := range got {
				if _, ok := tt.wantVerdts[v]; !ok {
					t.Errorf("unexpected %d %s findings", n, v)
				}
			}
			if tt.wantNote != "" {
				var notes []string
				for _, s := range r.Sections {
					if s.ID == "leaks" {
						notes = s.Notes
					}
				}
				if !strings.Contains(strings.Join(notes, "\n"), tt.wantNote) {
					t.Errorf("leaks section notes %q lack %q", notes, tt.wantNote)
				}
			}
		})
	}
}

func TestDiffReport(t *testing.T) {
	texts := []*Input{loadLeakInput(t, "series-1.txt"), loadLeakInput(t, "series-2.txt"), loadLeakInput(t, "series-3.txt")}
	r := Diff(texts, Options{})
	if len(r.Findings) != 1 || r.Findings[0].Verdict != "likely-leak" || !strings.HasSuffix(r.Findings[0].Location, "series/main.go:83") {
		t.Errorf("findings %+v, want one likely leak at series/main.go:83", r.Findings)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "no capture times") {
		t.Errorf("warnings %q do not say the order is the file order", r.Warnings)
	}
	var rows [][]string
	for _, s := range r.Sections {
		if s.ID == "diff" && len(s.Tables) == 2 {
			rows = s.Tables[1].Rows
		}
	}
	if len(rows) == 0 || rows[0][0] != "40 → 79 → 118" || rows[0][1] != "+78" {
		t.Errorf("diff table rows %v, want the leak first with 40 → 79 → 118", rows)
	}
	one := Diff(texts[:1], Options{})
	if !strings.Contains(strings.Join(one.Warnings, "\n"), "need two or more") {
		t.Errorf("one snapshot: warnings %q", one.Warnings)
	}
}

func mustParseRule(t *testing.T, s string) leaks.Rule {
	t.Helper()
	r, err := leaks.ParseRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
