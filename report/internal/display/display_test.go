package display

import (
	"math"
	"testing"

	"github.com/gdiag/gdiag/report"
)

func TestMetric(t *testing.T) {
	for _, c := range []struct {
		key  string
		v    float64
		want string
	}{
		{"live_heap_bytes", 35232768, "33.6 MiB"},
		{"alloc_bytes_per_sec", 1837060, "1.8 MiB/s"},
		{"gc_cpu_share_after", 0.0543, "5.4%"},
		{"delay_seconds", 0.0012, "1.2 ms"},
		{"window_seconds", 4.4, "4.40 s"},
		{"delay_seconds_per_second", 0.25, "0.25 s/s"},
		{"contentions", 1837060, "1,837,060"},
		{"cycles_per_sec_after", 5.1134, "5.113/s"},
		{"wait_minutes_max", 42, "42 min"},
		{"growth_r2", -0.5, "-0.5"},
		{"rank", 1e21, "1,000,000,000,000,000,000,000"},
		{"x", math.NaN(), "NaN"},
	} {
		if got := Metric(c.key, c.v); got != c.want {
			t.Errorf("Metric(%q, %v) = %q, want %q", c.key, c.v, got, c.want)
		}
	}
}

func TestSeconds(t *testing.T) {
	for v, want := range map[float64]string{0: "0 s", 850e-9: "850 ns", 12.5e-6: "12.5 µs", 150: "2m30s", -0.002: "-2.0 ms"} {
		if got := Seconds(v); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestLabelCounts(t *testing.T) {
	ls := []report.LabelCount{
		{Labels: map[string]string{"sku id": `a"b`, "handler": "checkout"}, Count: 1200},
		{Labels: map[string]string{"empty": "", "k": "x: y}"}, Count: 10},
		{Count: 3},
	}
	for _, tt := range []struct {
		limit int
		want  string
	}{
		{3, `{handler=checkout, "sku id"="a\"b"} 1,200, {empty="", k="x: y}"} 10, no labels 3`},
		{1, `{handler=checkout, "sku id"="a\"b"} 1,200 … and 2 more sets`},
	} {
		if got := LabelCounts(ls, tt.limit); got != tt.want {
			t.Errorf("LabelCounts(limit %d) = %s, want %s", tt.limit, got, tt.want)
		}
	}
}
