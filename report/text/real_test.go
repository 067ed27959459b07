package text

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/internal/term"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/internal/sample"
)

// assertFits fails when a line of out, escape sequences left out, is wider
// than width runes.
func assertFits(t *testing.T, out string, width int) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(term.Visible(line)); n > width {
			t.Errorf("width %d: line %d has %d runes: %q", width, i+1, n, line)
		}
	}
}

// realReport analyses stack/testdata/big_mix.txt.gz, a real goroutine dump
// of 10,000+ goroutines (see stack/testdata/README.md), with the analyzer
// as gdiag analyze runs it.
var realReport = sync.OnceValues(func() (*report.Report, error) {
	in, err := analyzer.Load(filepath.Join("..", "..", "stack", "testdata", "big_mix.txt.gz"), analyzer.LoadOptions{Workers: 1})
	if err != nil {
		return nil, err
	}
	in.Name = "big_mix.txt.gz" // the same golden from any directory
	r := analyzer.Analyze([]*analyzer.Input{in}, analyzer.Options{})
	r.Title = in.Name
	r.Sort()
	return r, nil
})

// TestRealGolden renders a real analysis at 80 and 200 columns, short and
// verbose, and compares it with the goldens; no line may exceed the width.
func TestRealGolden(t *testing.T) {
	r, err := realReport()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"big_mix-80.txt", Options{Width: 80}},
		{"big_mix-200.txt", Options{Width: 200}},
		{"big_mix-80-v.txt", Options{Width: 80, Verbose: true}},
		{"big_mix-200-v.txt", Options{Width: 200, Verbose: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, r, tc.opts); err != nil {
				t.Fatal(err)
			}
			assertFits(t, b.String(), tc.opts.Width)
			sample.Golden(t, *update, tc.name, b.Bytes())
		})
	}
}

// TestShortView: the default view shows Top findings in full and one line
// for each of the others; -v (Verbose) shows the sections.
func TestShortView(t *testing.T) {
	r, err := realReport()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) < 3 || len(r.Sections) == 0 {
		t.Fatalf("real report has %d findings, %d sections: too few to test the short view", len(r.Findings), len(r.Sections))
	}
	var short, top1, verbose bytes.Buffer
	for _, w := range []struct {
		b    *bytes.Buffer
		opts Options
	}{{&short, Options{Width: 100}}, {&top1, Options{Width: 100, Top: 1}}, {&verbose, Options{Width: 100, Verbose: true}}} {
		if err := Write(w.b, r, w.opts); err != nil {
			t.Fatal(err)
		}
	}
	if n, v := strings.Count(short.String(), "\n"), strings.Count(verbose.String(), "\n"); n >= v {
		t.Errorf("short view has %d lines, verbose %d", n, v)
	}
	sec := "== " + r.Sections[0].Title + " =="
	if strings.Contains(short.String(), sec) || !strings.Contains(verbose.String(), sec) {
		t.Errorf("section %q: in short view %v, in verbose %v", sec, strings.Contains(short.String(), sec), strings.Contains(verbose.String(), sec))
	}
	// With Top 1 the second finding is one line: its suggestion is not shown.
	if s := r.Findings[1].Suggestion; s != "" {
		first := strings.Fields(s)[0]
		if strings.Count(top1.String(), "suggestion  ") != 1 {
			t.Errorf("Top 1 printed %d suggestions, want 1 (%q)", strings.Count(top1.String(), "suggestion  "), first)
		}
	}
	if !strings.Contains(top1.String(), "--top N or -v") {
		t.Error("short view does not say how to see the other findings")
	}
}

// TestColor: severities are painted only when Options.Color is set, and
// painting does not change the text.
func TestColor(t *testing.T) {
	r, err := realReport()
	if err != nil {
		t.Fatal(err)
	}
	var plain, painted bytes.Buffer
	if err := Write(&plain, r, Options{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&painted, r, Options{Width: 80, Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Error("escape sequence without Color")
	}
	sev := strings.ToUpper(r.Findings[0].Severity.String())
	want := (term.Painter{On: true}).Paint(severityColor(r.Findings[0].Severity), sev)
	if !strings.Contains(painted.String(), want) {
		t.Errorf("painted output lacks %q", want)
	}
	if term.Visible(painted.String()) != plain.String() {
		t.Error("colour changed the text")
	}
}

// TestHostileNames: names from a dump or profile with escape sequences,
// bidirectional overrides and control characters reach the terminal as
// visible escapes, in both views, findings and tables alike.
func TestHostileNames(t *testing.T) {
	evil := "main.(*T).\x1b]0;pwned\x07run\u202egpj.exe\x9b31m"
	r := &report.Report{
		Title:  "dump\x1b[2J.txt",
		Inputs: []report.Input{{Name: "dump\x1b[2J.txt", Kind: "goroutine-text"}},
		Findings: []report.Finding{{
			Check: "leaks/x", Severity: report.SeverityHigh, Verdict: "likely-leak\x1b[0m",
			Title: "blocked in " + evil, Function: evil, Location: "/src/\u202eevil.go:1\r\x1b[1A",
			CreatedBy: evil + " at /src/a.go:2", Evidence: []string{"label k=\x1b[31mv"},
			Suggestion: "fix\x07",
		}},
		Sections: []report.Section{{ID: "s", Title: "buckets\x1b[H", Notes: []string{"note\x1b[K"},
			Tables: []report.Table{{Columns: []string{"where\x1b[1m"}, Rows: [][]string{{evil + " (/src/\u202ex.go:3)"}}}}}},
		Warnings: []string{"entry \x1b]8;;http://evil\x07name"},
	}
	for _, verbose := range []bool{false, true} {
		var b bytes.Buffer
		if err := Write(&b, r, Options{Width: 200, Verbose: verbose, Color: true}); err != nil {
			t.Fatal(err)
		}
		out := term.Visible(b.String()) // only our own SGR sequences are allowed
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\r", "\x9b"} {
			if strings.Contains(out, bad) {
				t.Errorf("verbose %v: %q reached the terminal:\n%s", verbose, bad, out)
			}
		}
		if !strings.Contains(out, `\x1b]0;pwned\arun\u202egpj.exe`) {
			t.Errorf("verbose %v: the hostile name is not shown escaped:\n%s", verbose, out)
		}
	}
}
