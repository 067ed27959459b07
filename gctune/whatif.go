package gctune

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DefaultCPUPerByte is the GC cost per byte of live heap + roots per cycle
// WhatIf uses when no calibrated model is given: 0.4 ns/byte, the order of
// what CalibrateTrace measures on testdata/gogc100.txt (pointer-dense 1 KiB
// objects, 2 P, including idle-worker time). Calibrate from the service's own
// data whenever possible; this default only sets the scale of the table.
const DefaultCPUPerByte = 0.4e-9

// WhatIfParams describe a steady load for WhatIf, as given on the command
// line (gdiag gctune --live-heap 2GiB --alloc-rate 800MiB/s ...).
type WhatIfParams struct {
	LiveHeapBytes    int64
	AllocBytesPerSec float64
	// RootsBytes is scannable stacks + globals (default 0).
	RootsBytes int64
	// MemoryLimitBytes is the GOMEMLIMIT to combine with each GOGC (0 = none).
	MemoryLimitBytes int64
	// GOGC lists the values to tabulate (Off for GOGC=off); empty means
	// 50, 100, 200, 400.
	GOGC []int
	// GOMAXPROCS bounds the limiter (50% of it); 0 means no limiter.
	GOMAXPROCS int
	// MutatorCores is non-GC CPU, for the GC share of busy CPU; 0 reports
	// the share of GOMAXPROCS instead.
	MutatorCores float64
	// Model overrides the cost model; nil uses DefaultCPUPerByte, the
	// default runway ratio and no non-heap memory.
	Model *Model
}

// WhatIf predicts each GOGC value (with the memory limit, if any) for a
// steady load, without a bundle. It returns one Prediction per GOGC value in
// order, or an error when the load is not positive. Pure and cheap.
func WhatIf(p WhatIfParams) ([]Prediction, error) {
	if p.LiveHeapBytes <= 0 {
		return nil, errors.New("gctune: what-if: live heap must be positive")
	}
	if p.AllocBytesPerSec <= 0 {
		return nil, errors.New("gctune: what-if: allocation rate must be positive")
	}
	m := Model{CPUPerByte: DefaultCPUPerByte, RunwayRatio: defaultRunwayRatio}
	if p.Model != nil {
		m = *p.Model
	}
	gogcs := p.GOGC
	if len(gogcs) == 0 {
		gogcs = []int{50, 100, 200, 400}
	}
	w := Workload{GOMAXPROCS: p.GOMAXPROCS, Segments: []Segment{{
		Duration:         time.Second,
		AllocBytesPerSec: p.AllocBytesPerSec,
		LiveHeapBytes:    p.LiveHeapBytes,
		RootsBytes:       p.RootsBytes,
		MutatorCores:     p.MutatorCores,
	}}}
	out := make([]Prediction, 0, len(gogcs))
	for _, g := range gogcs {
		if g < Off {
			return nil, fmt.Errorf("gctune: what-if: GOGC %d: must be off or ≥ 0", g)
		}
		out = append(out, Simulate(m, Candidate{GOGC: g, MemoryLimitBytes: p.MemoryLimitBytes}, w))
	}
	return out, nil
}

var byteUnits = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// ParseBytes parses a size: a number with an optional unit, case
// insensitive: B, KiB/MiB/GiB/TiB (powers of 1024, as GOMEMLIMIT accepts),
// KB/MB/GB/TB (powers of 1000), or K/M/G/T (powers of 1024). Fractions are
// allowed ("1.5GiB"). "off" and "" are errors.
func ParseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || f < 0 {
		return 0, fmt.Errorf("gctune: bad size %q", s)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("gctune: size %q overflows", s)
	}
	return int64(v), nil
}

// ParseRate parses a byte rate: a size (see ParseBytes) per unit of time,
// "800MiB/s", "3GiB/min", "10GB/h", "500KiB/ms"; a bare size means per
// second. It returns bytes per second.
func ParseRate(s string) (float64, error) {
	size, per, ok := strings.Cut(s, "/")
	d := time.Second
	if ok {
		switch strings.ToLower(strings.TrimSpace(per)) {
		case "ns":
			d = time.Nanosecond
		case "us", "µs":
			d = time.Microsecond
		case "ms":
			d = time.Millisecond
		case "s", "sec":
			d = time.Second
		case "m", "min":
			d = time.Minute
		case "h", "hour":
			d = time.Hour
		default:
			return 0, fmt.Errorf("gctune: bad rate %q: unknown time unit %q", s, per)
		}
	}
	b, err := ParseBytes(size)
	if err != nil {
		return 0, fmt.Errorf("gctune: bad rate %q: %w", s, err)
	}
	return float64(b) / d.Seconds(), nil
}

// FormatBytes renders a size the way GOMEMLIMIT accepts it, in the largest
// binary unit that keeps three significant digits, rounded down to whole
// MiB above 1 GiB ("3GiB", "1536MiB", "800MiB", "12KiB", "100B").
func FormatBytes(n int64) string {
	switch {
	case n < 0:
		return "-" + FormatBytes(-max(n, -math.MaxInt64))
	case n >= 1<<40 && n%(1<<40) == 0:
		return fmt.Sprintf("%dTiB", n>>40)
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// humanBytes renders a size for people ("1.5 GiB").
func humanBytes(n int64) string {
	if n == math.MaxInt64 {
		return "unbounded"
	}
	f := float64(n)
	for _, u := range []string{"B", "KiB", "MiB", "GiB", "TiB"} {
		if math.Abs(f) < 1024 || u == "TiB" {
			if u == "B" {
				return fmt.Sprintf("%d B", n)
			}
			return fmt.Sprintf("%.1f %s", f, u)
		}
		f /= 1024
	}
	return ""
}
