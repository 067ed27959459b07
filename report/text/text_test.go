package text

import (
	"bytes"
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

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
		{"sample.txt", func(b *bytes.Buffer) error { return Write(b, r, Options{Verbose: true}) }},
		{"sample-short.txt", func(b *bytes.Buffer) error { return Write(b, r, Options{Width: 80, Top: 2}) }},
		{"sample-narrow.txt", func(b *bytes.Buffer) error {
			return Write(b, r, Options{Width: 72, MaxRows: 2, MaxIDs: 4, Verbose: true})
		}},
		{"empty.txt", func(b *bytes.Buffer) error { return Write(b, &report.Report{Title: "empty.txt"}, Options{}) }},
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

func TestTextFitsWidth(t *testing.T) {
	for _, width := range []int{40, 60, 80, 120, 200} {
		for _, r := range []*report.Report{sample.Report(), sample.Hostile()} {
			for _, verbose := range []bool{false, true} {
				var b bytes.Buffer
				if err := Write(&b, r, Options{Width: width, Verbose: verbose, Color: true}); err != nil {
					t.Fatal(err)
				}
				assertFits(t, b.String(), width)
			}
		}
	}
}

func TestTextSanitizes(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample.Hostile(), Options{Verbose: true}); err != nil {
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
	r := &report.Report{Sections: []report.Section{{ID: "s", Tables: []report.Table{{Columns: []string{"a", "b"}, Rows: rows}}}}}
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
			if err := Write(&b, r, Options{MaxRows: tt.give, Verbose: true}); err != nil {
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
		{"text keeps whole words", "chan receive (nil chan)", 10, "chan…"},
		{"text cut in a long word", "chan_receive_nil_chan", 10, "chan_rece…"},
		{"path keeps file:line", "github.com/acme/flashsale/internal/checkout/pricing.go:214", 25, "…/checkout/pricing.go:214"},
		{"path cut mid-element", "github.com/acme/flashsale/internal/checkout/pricing.go:214", 20, "…/pricing.go:214"},
		{"func at: drop dirs", "main.worker at /src/app/worker.go:42", 30, "main.worker at /…/worker.go:42"},
		{"func at: drop directories", "net/http.(*conn).serve at /usr/local/go/src/net/http/server.go:2102", 50, "net/http.(*conn).serve at /…/http/server.go:2102"},
		{"func at: file name only", "net/http.(*conn).serve at /usr/local/go/src/net/http/server.go:2102", 40, "net/http.(*conn).serve at server.go:2102"},
		{"func at: middle of package path", "github.com/acme/shop/internal/checkout.(*Svc).Run at /src/checkout/svc.go:12", 50, "github.com/…/checkout.(*Svc).Run at …/svc.go:12"},
		{"func at: then tail", "net/http.(*conn).serve at /usr/local/go/src/net/http/server.go:2102", 28, "…serve at …/server.go:2102"},
		{"function name", "github.com/acme/flashsale/internal/checkout.(*Pricer).quote.func2", 30, "checkout.(*Pricer).quote.func2"},
		{"function name, middle", "github.com/acme/flashsale/internal/checkout.(*Pricer).quote.func2", 50, "github.com/acme/…/checkout.(*Pricer).quote.func2"},
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
			got := fitWidths(tt.header, tt.body, nil, tt.width)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fitWidths = %v, want %v", got, tt.want)
			}
		})
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteError(t *testing.T) {
	err := Write(errWriter{}, sample.Report(), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "report: ") || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("error = %v, want prefix %q and the cause", err, "report: ")
	}
}
