package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Bytes renders a byte count for people, in binary units: "100 B",
// "64 KiB", "1.5 MiB", "3.2 GiB". Whole numbers drop the fraction.
func Bytes(v float64) string {
	units := [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 || v == math.Trunc(v) {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// MemLimit renders a size the way GOMEMLIMIT accepts it, in the largest
// binary unit that keeps it whole above 1 GiB and rounded down to whole MiB
// or KiB below: "3GiB", "1536MiB", "800MiB", "12KiB", "100B". ParseBytes
// reads it back.
func MemLimit(n int64) string {
	switch {
	case n < 0:
		return "-" + MemLimit(-max(n, -math.MaxInt64))
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

// byteUnit returns the multiplier of a size suffix (lower case), longest
// suffixes first so "kib" is not read as "b".
func byteUnit(t string) (rest string, mult float64) {
	for _, u := range [...]struct {
		suffix string
		mult   float64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
		{"b", 1},
	} {
		if strings.HasSuffix(t, u.suffix) {
			return strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
		}
	}
	return t, 1
}

// ParseBytes parses a size: a number with an optional unit, case
// insensitive: B, KiB/MiB/GiB/TiB (powers of 1024, as GOMEMLIMIT accepts),
// KB/MB/GB/TB (powers of 1000), or K/M/G/T (powers of 1024). Fractions are
// allowed ("1.5GiB"). "off" and "" are errors.
func ParseBytes(s string) (int64, error) {
	t, mult := byteUnit(strings.ToLower(strings.TrimSpace(s)))
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || f < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q overflows", s)
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
			return 0, fmt.Errorf("bad rate %q: unknown time unit %q", s, per)
		}
	}
	b, err := ParseBytes(size)
	if err != nil {
		return 0, fmt.Errorf("bad rate %q: %w", s, err)
	}
	return float64(b) / d.Seconds(), nil
}

// Thousands writes n with comma separators: 1234567 → "1,234,567".
func Thousands[T ~int | ~int64 | ~int32](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Wait renders how long a goroutine has waited: "-" when unknown (≤ 0),
// seconds under a minute ("42s"), whole minutes under two hours ("95 min",
// the unit the runtime prints), hours under two days ("5.5 h"), days above
// ("3.0 days").
func Wait(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

// WaitRange renders the wait times of a group of goroutines, shortest to
// longest: one Wait when they are equal or the shortest is unknown, else
// "5 min–2.5 h"; "-" when the longest is unknown.
func WaitRange(lo, hi time.Duration) string {
	if hi <= 0 {
		return "-"
	}
	if lo <= 0 || lo == hi || Wait(lo) == Wait(hi) {
		return Wait(hi)
	}
	return Wait(lo) + "–" + Wait(hi)
}
