package units

import (
	"math"
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0 B"}, {100, "100 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"},
		{64 << 10, "64 KiB"}, {1.5 * (1 << 20), "1.5 MiB"}, {3 << 30, "3 GiB"}, {-2048, "-2 KiB"},
		{1 << 50, "1 PiB"}, {1 << 60, "1024 PiB"},
	}
	for _, tt := range tests {
		if got := Bytes(tt.v); got != tt.want {
			t.Errorf("Bytes(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestMemLimitRoundTrip(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{100, "100B"}, {12 << 10, "12KiB"}, {800 << 20, "800MiB"}, {1536 << 20, "1536MiB"},
		{3 << 30, "3GiB"}, {2 << 40, "2TiB"}, {-(3 << 30), "-3GiB"}, {math.MinInt64, "-8796093022207MiB"},
	}
	for _, tt := range tests {
		got := MemLimit(tt.n)
		if got != tt.want {
			t.Errorf("MemLimit(%d) = %q, want %q", tt.n, got, tt.want)
		}
		if tt.n < 0 {
			continue
		}
		back, err := ParseBytes(got)
		if err != nil || back != tt.n {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", got, back, err, tt.n)
		}
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		s       string
		want    int64
		wantErr bool
	}{
		{"1.5GiB", 1536 << 20, false}, {"800 MiB", 800 << 20, false}, {"10GB", 10e9, false},
		{"4k", 4096, false}, {"100", 100, false}, {"7b", 7, false},
		{"", 0, true}, {"off", 0, true}, {"-1MiB", 0, true}, {"NaN", 0, true}, {"1e30TiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.s)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, err %v", tt.s, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		s       string
		want    float64
		wantErr bool
	}{
		{"800MiB/s", 800 << 20, false}, {"3GiB/min", float64(3<<30) / 60, false}, {"1KiB/ms", 1024000, false},
		{"60", 60, false}, {"1MiB/fortnight", 0, true}, {"x/s", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.s)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v, err %v", tt.s, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {1234567, "1,234,567"},
		{-1234, "-1,234"}, {-999, "-999"}, {math.MinInt64, "-9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		if got := Thousands(tt.n); got != tt.want {
			t.Errorf("Thousands(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := Thousands(int(50000)); got != "50,000" {
		t.Errorf("Thousands(int) = %q", got)
	}
}

func TestWait(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "-"}, {-time.Minute, "-"}, {42 * time.Second, "42s"}, {time.Minute, "1 min"},
		{59 * time.Minute, "59 min"}, {95 * time.Minute, "95 min"}, {2 * time.Hour, "2.0 h"},
		{47 * time.Hour, "47.0 h"}, {72 * time.Hour, "3.0 days"},
	}
	for _, tt := range tests {
		if got := Wait(tt.d); got != tt.want {
			t.Errorf("Wait(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	ranges := []struct {
		lo, hi time.Duration
		want   string
	}{
		{0, 0, "-"}, {0, 5 * time.Minute, "5 min"}, {5 * time.Minute, 5 * time.Minute, "5 min"},
		{5 * time.Minute, 150 * time.Minute, "5 min–2.5 h"}, {5*time.Minute + time.Second, 5 * time.Minute, "5 min"},
	}
	for _, tt := range ranges {
		if got := WaitRange(tt.lo, tt.hi); got != tt.want {
			t.Errorf("WaitRange(%v, %v) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}
