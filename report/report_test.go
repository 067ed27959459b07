package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
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

func TestGolden(t *testing.T) {
	r := sampleReport()
	r.Sort()
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"sample.txt", func(b *bytes.Buffer) error { return WriteText(b, r, TextOptions{}) }},
		{"sample-narrow.txt", func(b *bytes.Buffer) error { return WriteText(b, r, TextOptions{Width: 72, MaxRows: 2, MaxIDs: 4}) }},
		{"sample.json", func(b *bytes.Buffer) error { return WriteJSON(b, r) }},
		{"sample.html", func(b *bytes.Buffer) error { return WriteHTML(b, r) }},
		{"empty.txt", func(b *bytes.Buffer) error { return WriteText(b, &Report{Title: "empty.txt"}, TextOptions{}) }},
		{"empty.json", func(b *bytes.Buffer) error { return WriteJSON(b, &Report{Title: "empty.txt"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func TestSort(t *testing.T) {
	tests := []struct {
		name string
		give []Finding
		want []string // Titles in order
	}{
		{
			name: "severity first",
			give: []Finding{{Title: "low", Severity: SeverityLow, Count: 100}, {Title: "crit", Severity: SeverityCritical, Count: 1}, {Title: "info", Count: 1000}},
			want: []string{"crit", "low", "info"},
		},
		{
			name: "count breaks severity ties",
			give: []Finding{{Title: "few", Severity: SeverityHigh, Count: 2}, {Title: "many", Severity: SeverityHigh, Count: 3000}},
			want: []string{"many", "few"},
		},
		{
			// Within one check the check's own ranking stands (pool
			// candidates by GC CPU saved), not location order.
			name: "then check, then the check's own order",
			give: []Finding{
				{Title: "b", Check: "leaks/b", Location: "a.go:1"},
				{Title: "z", Check: "leaks/a", Location: "b.go:1"},
				{Title: "y", Check: "leaks/a", Location: "a.go:9"},
				{Title: "x", Check: "leaks/a", Location: "a.go:9"},
			},
			want: []string{"z", "y", "x", "b"},
		},
		{name: "empty", give: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Findings: tt.give}
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
	base := sampleReport()
	base.Sort()
	n := len(base.Findings)
	for k := range n {
		r := sampleReport()
		r.Findings = append(r.Findings[k:], r.Findings[:k]...)
		r.Sort()
		for i := range n {
			if r.Findings[i].Title != base.Findings[i].Title {
				t.Fatalf("rotation %d: position %d = %q, want %q", k, i, r.Findings[i].Title, base.Findings[i].Title)
			}
		}
	}
}

var (
	externalRef = regexp.MustCompile(`(?i)<[^>]*\s(src|href|action|poster|data|srcset)\s*=\s*["']?\s*(https?:)?//`)
	cssURL      = regexp.MustCompile(`(?i)url\(|@import`)
)

func TestHTMLSelfContained(t *testing.T) {
	for _, r := range []*Report{sampleReport(), hostileReport(), {}} {
		var b bytes.Buffer
		if err := WriteHTML(&b, r); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		if m := externalRef.FindString(html); m != "" {
			t.Errorf("external reference %q in HTML", m)
		}
		if m := cssURL.FindString(html); m != "" {
			t.Errorf("CSS fetch %q in HTML", m)
		}
		if strings.Contains(strings.ToLower(html), "<script") || strings.Contains(strings.ToLower(html), "<link") {
			t.Error("HTML contains a <script> or <link> element")
		}
		if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.HasSuffix(html, "</html>\n") {
			t.Error("HTML is not one complete document")
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, hostileReport()); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, bad := range []string{"<script>", "<img", "<iframe", "<b>bold", "<style>body", `href="javascript:`, "<th><th>", "onerror=alert(1)>"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;bold&lt;/b&gt;"} {
		if !strings.Contains(html, good) {
			t.Errorf("HTML lacks the escaped text %q", good)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, give := range []*Report{sampleReport(), {Title: "empty"}, hostileReport()} {
		var b bytes.Buffer
		if err := WriteJSON(&b, give); err != nil {
			t.Fatal(err)
		}
		got, err := ReadJSON(&b)
		if err != nil {
			t.Fatal(err)
		}
		want := normalized(give)
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("round trip of %q:\n got %+v\nwant %+v", give.Title, *got, want)
		}
		if got.Schema != SchemaVersion {
			t.Errorf("schema = %d", got.Schema)
		}
		if give.Schema != 0 {
			t.Error("WriteJSON modified its input")
		}
	}
}

func TestJSONNonFinite(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, hostileReport()); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&b)
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
			_, err := ReadJSON(strings.NewReader(tt.give))
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

func TestTextFitsWidth(t *testing.T) {
	for _, width := range []int{40, 60, 80, 120, 200} {
		for _, r := range []*Report{sampleReport(), hostileReport()} {
			var b bytes.Buffer
			if err := WriteText(&b, r, TextOptions{Width: width}); err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(b.String(), "\n") {
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("width %d: line %d has %d runes: %q", width, i+1, n, line)
				}
			}
		}
	}
}

func TestTextSanitizes(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, hostileReport(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsRune(out, '\x1b') {
		t.Error("escape character reached the terminal output")
	}
	if strings.Contains(out, "\nforged line") {
		t.Error("newline in a location started a new output line")
	}
}

func TestTextMaxRows(t *testing.T) {
	rows := make([][]string, 30)
	for i := range rows {
		rows[i] = []string{"row", "1"}
	}
	r := &Report{Sections: []Section{{ID: "s", Tables: []Table{{Columns: []string{"a", "b"}, Rows: rows}}}}}
	tests := []struct {
		name     string
		give     int
		wantRows int
		wantMore string
	}{
		{"all", 0, 30, ""},
		{"limited", 5, 5, "… 25 more rows not shown"},
		{"limit above rows", 50, 30, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteText(&b, r, TextOptions{MaxRows: tt.give}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(b.String(), "│ row │"); got != tt.wantRows {
				t.Errorf("%d rows printed, want %d\n%s", got, tt.wantRows, b.String())
			}
			if tt.wantMore != "" && !strings.Contains(b.String(), tt.wantMore) {
				t.Errorf("missing %q", tt.wantMore)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		name string
		give string
		n    int
		want string
	}{
		{"fits", "select", 6, "select"},
		{"text keeps head", "chan receive (nil chan)", 10, "chan rece…"},
		{"path keeps file:line", "github.com/acme/flashsale/internal/checkout/pricing.go:214", 25, "…/checkout/pricing.go:214"},
		{"path cut mid-element", "github.com/acme/flashsale/internal/checkout/pricing.go:214", 20, "…/pricing.go:214"},
		{"func at: drop dirs", "main.worker at /src/app/worker.go:42", 30, "main.worker at …/worker.go:42"},
		{"func at: drop package path", "net/http.(*conn).serve at /usr/local/go/src/net/http/server.go:2102", 40, "http.(*conn).serve at …/server.go:2102"},
		{"func at: then tail", "net/http.(*conn).serve at /usr/local/go/src/net/http/server.go:2102", 28, "…).serve at …/server.go:2102"},
		{"function name", "github.com/acme/flashsale/internal/checkout.(*Pricer).quote.func2", 30, "…heckout.(*Pricer).quote.func2"},
		{"one rune", "abcdef", 1, "…"},
		{"multibyte", "ünïcødé strings", 5, "ünïc…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shorten(tt.give, tt.n)
			if got != tt.want {
				t.Errorf("shorten(%q, %d) = %q, want %q", tt.give, tt.n, got, tt.want)
			}
			if utf8.RuneCountInString(got) > max(tt.n, 1) {
				t.Errorf("result %q longer than %d", got, tt.n)
			}
		})
	}
}

func TestFitWidths(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		body   [][]string
		width  int
		want   []int
	}{
		{"fits", []string{"a", "bb"}, [][]string{{"xxx", "y"}}, 40, []int{3, 2}},

		{"narrow column kept, wide ones share", []string{"n", "long", "longer"}, [][]string{{"1", strings.Repeat("x", 50), strings.Repeat("y", 80)}}, 60, []int{1, 25, 24}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitWidths(tt.header, tt.body, tt.width)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fitWidths = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckTable(t *testing.T) {
	tests := []struct {
		name string
		give []Check
		want string
	}{
		{
			name: "sorted by id, escaped",
			give: []Check{
				{ID: "leaks/select-no-cancel", Severity: SeverityHigh, Title: "select without cancellation", Doc: "Fires when a | b.\nSecond line."},
				{ID: "gctune/gogc-too-low", Severity: SeverityMedium, Title: "GC too frequent"},
			},
			want: "| Check | Severity | Finds | Details |\n|---|---|---|---|\n" +
				"| `gctune/gogc-too-low` | medium | GC too frequent |  |\n" +
				"| `leaks/select-no-cancel` | high | select without cancellation | Fires when a \\| b. Second line. |\n",
		},
		{name: "none", give: nil, want: "| Check | Severity | Finds | Details |\n|---|---|---|---|\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckTable(tt.give); got != tt.want {
				t.Errorf("CheckTable =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrors(t *testing.T) {
	r := sampleReport()
	tests := []struct {
		name string
		give func() error
		want string
	}{
		{"text", func() error { return WriteText(errWriter{}, r, TextOptions{}) }, "report: "},
		{"json", func() error { return WriteJSON(errWriter{}, r) }, "report: writing json: broken pipe"},
		{"html", func() error { return WriteHTML(errWriter{}, r) }, "report: writing html: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !strings.Contains(err.Error(), "broken pipe") {
				t.Errorf("error = %v, want prefix %q and the cause", err, tt.want)
			}
		})
	}
}

func TestSeverityText(t *testing.T) {
	for s := SeverityInfo; s <= SeverityCritical; s++ {
		b, _ := s.MarshalText()
		var got Severity
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("%v: round trip = %v, %v", s, got, err)
		}
	}
}
