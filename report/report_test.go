package report_test

import (
	"bytes"
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/internal/sample"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestGolden(t *testing.T) {
	r := sample.Report()
	r.Sort()
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"sample.json", func(b *bytes.Buffer) error { return report.WriteJSON(b, r) }},
		{"empty.json", func(b *bytes.Buffer) error { return report.WriteJSON(b, &report.Report{Title: "empty.txt"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			sample.Golden(t, *update, tt.name, b.Bytes())
		})
	}
}

func TestSort(t *testing.T) {
	tests := []struct {
		name string
		give []report.Finding
		want []string // Titles in order
	}{
		{
			name: "severity first",
			give: []report.Finding{{Title: "low", Severity: report.SeverityLow, Count: 100}, {Title: "crit", Severity: report.SeverityCritical, Count: 1}, {Title: "info", Count: 1000}},
			want: []string{"crit", "low", "info"},
		},
		{
			name: "count breaks severity ties",
			give: []report.Finding{{Title: "few", Severity: report.SeverityHigh, Count: 2}, {Title: "many", Severity: report.SeverityHigh, Count: 3000}},
			want: []string{"many", "few"},
		},
		{
			// Within one check the check's own ranking stands (pool
			// candidates by GC CPU saved), not location order.
			name: "then check, then the check's own order",
			give: []report.Finding{
				{Title: "b", Check: "leaks/b", Location: "a.go:1"},
				{Title: "z", Check: "leaks/a", Location: "b.go:1"},
				{Title: "y", Check: "leaks/a", Location: "a.go:9"},
				{Title: "x", Check: "leaks/a", Location: "a.go:9"},
			},
			want: []string{"z", "y", "x", "b"},
		},
		{
			// A goroutine leak is usually the cause of the symptoms other
			// checks report, so the leaks area leads whatever its severity.
			name: "leaks area first",
			give: []report.Finding{
				{Title: "gc", Check: "gctune/gogc-too-low", Severity: report.SeverityHigh, Count: 9},
				{Title: "suspect", Check: "leaks/io-wait", Severity: report.SeverityLow, Count: 1},
				{Title: "pool", Check: "pool/candidate", Severity: report.SeverityLow},
				{Title: "proven", Check: "leaks/nil-chan", Severity: report.SeverityCritical, Count: 1},
			},
			want: []string{"proven", "suspect", "gc", "pool"},
		},
		{name: "empty", give: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &report.Report{Findings: tt.give}
			r.Sort()
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.Title)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSortDeterministic sorts every rotation of the sample and expects the
// same order each time.
func TestSortDeterministic(t *testing.T) {
	base := sample.Report()
	base.Sort()
	n := len(base.Findings)
	for k := range n {
		r := sample.Report()
		r.Findings = append(r.Findings[k:], r.Findings[:k]...)
		r.Sort()
		for i := range n {
			if r.Findings[i].Title != base.Findings[i].Title {
				t.Fatalf("rotation %d: position %d = %q, want %q", k, i, r.Findings[i].Title, base.Findings[i].Title)
			}
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, give := range []*report.Report{sample.Report(), {Title: "empty"}, sample.Hostile()} {
		var b bytes.Buffer
		if err := report.WriteJSON(&b, give); err != nil {
			t.Fatal(err)
		}
		got, err := report.ReadJSON(&b)
		if err != nil {
			t.Fatal(err)
		}
		want := give.Normalized()
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip of %q:\n got %+v\nwant %+v", give.Title, *got, want)
		}
		if got.Schema != report.SchemaVersion {
			t.Errorf("schema = %d", got.Schema)
		}
		if give.Schema != 0 {
			t.Error("WriteJSON modified its input")
		}
	}
}

func TestJSONNonFinite(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteJSON(&b, sample.Hostile()); err != nil {
		t.Fatal(err)
	}
	got, err := report.ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Findings[0].Metrics; !reflect.DeepEqual(m, map[string]float64{"ok": 1}) {
		t.Errorf("metrics = %v, want only the finite one", m)
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name, give, wantErr string
	}{
		{"malformed", `{"schema":1,`, "report: reading json: unexpected EOF"},
		{"future", `{"schema":2,"title":"x"}`, "schema 2 is newer than the supported 1"},
		{"bad severity", `{"schema":1,"findings":[{"severity":"apocalyptic"}]}`, `unknown severity "apocalyptic"`},
		{"unknown fields ok", `{"schema":1,"title":"x","new_field":[1,2]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := report.ReadJSON(strings.NewReader(tt.give))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckTable(t *testing.T) {
	tests := []struct {
		name string
		give []report.Check
		want string
	}{
		{
			name: "sorted by id, escaped",
			give: []report.Check{
				{ID: "leaks/select-no-cancel", Severity: report.SeverityHigh, Title: "select without cancellation", Doc: "Fires when a | b.\nSecond line."},
				{ID: "gctune/gogc-too-low", Severity: report.SeverityMedium, Title: "GC too frequent"},
			},
			want: "| Check | Severity | Finds | Details |\n|---|---|---|---|\n" +
				"| `gctune/gogc-too-low` | medium | GC too frequent |  |\n" +
				"| `leaks/select-no-cancel` | high | select without cancellation | Fires when a \\| b. Second line. |\n",
		},
		{name: "none", give: nil, want: "| Check | Severity | Finds | Details |\n|---|---|---|---|\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report.CheckTable(tt.give); got != tt.want {
				t.Errorf("CheckTable =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSeverityText(t *testing.T) {
	for s := report.SeverityInfo; s <= report.SeverityCritical; s++ {
		b, _ := s.MarshalText()
		var got report.Severity
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("%v: round trip = %v, %v", s, got, err)
		}
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteJSONError(t *testing.T) {
	err := report.WriteJSON(errWriter{}, sample.Report())
	if want := "report: writing json: broken pipe"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}
