package display

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
)

// Where joins a finding's function and location as "fn at file.go:12", or
// returns whichever of the two is set.
func Where(function, location string) string {
	switch {
	case function != "" && location != "":
		return function + " at " + location
	case function != "":
		return function
	}
	return location
}

// IDList lists ids separated by commas, at most limit of them, then counts
// the rest (" … and 1,234 more").
func IDList(ids []int64, limit int) string {
	var b strings.Builder
	for i, id := range ids {
		if i == limit {
			fmt.Fprintf(&b, " … and %s more", units.Thousands(len(ids)-limit))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// LabelCounts lists a finding's goroutines by label set, at most limit sets
// ("{handler=checkout} 10, no labels 3"), then counts the rest (" … and 2
// more sets"). Keys are sorted;
// a key or value that is empty or holds a space, quote, comma, equals sign,
// brace or unprintable rune is quoted as Go quotes strings.
func LabelCounts(ls []report.LabelCount, limit int) string {
	var b strings.Builder
	for i, l := range ls {
		if i == limit {
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if len(l.Labels) == 0 {
			b.WriteString("no labels")
		} else {
			b.WriteByte('{')
			for j, k := range slices.Sorted(maps.Keys(l.Labels)) {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(labelText(k) + "=" + labelText(l.Labels[k]))
			}
			b.WriteByte('}')
		}
		b.WriteString(" " + units.Thousands(l.Count))
	}
	if len(ls) > limit {
		fmt.Fprintf(&b, " … and %s more sets", units.Thousands(len(ls)-limit))
	}
	return b.String()
}

func labelText(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsPrint(r) || unicode.IsSpace(r) || strings.ContainsRune(`"',={}`, r)
	}) {
		return strconv.Quote(s)
	}
	return s
}

// Float formats a metric value with up to six significant digits.
func Float(v float64) string {
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// Pad returns row as a new slice of n cells, missing cells empty.
func Pad(row []string, n int) []string {
	out := make([]string, n)
	copy(out, row)
	return out
}

// NumericColumn reports whether every non-empty cell of column i looks like
// a number, possibly with a unit ("1,024", "12.5%", "3.2 ms", "-1").
func NumericColumn(body [][]string, i int) bool {
	seen := false
	for _, row := range body {
		c := strings.TrimSpace(row[i])
		if c == "" || c == "-" || c == "…" {
			continue
		}
		seen = true
		r, _ := utf8.DecodeRuneInString(strings.TrimLeft(c, "+-~≈<>"))
		if !unicode.IsDigit(r) || len(strings.Fields(c)) > 2 {
			return false
		}
	}
	return seen
}

// Metric formats a finding's metric for people by the unit its key names
// (report.Finding.Metrics keys carry it): "_bytes" as binary bytes
// ("33.6 MiB"), "_seconds" as a duration ("1.2 ms"), a share, ratio or
// fraction as a percentage, "_minutes" in minutes, anything else as a plain
// number with thousands separators and at most three decimals, never in
// exponent notation ("1,837,060", "5.11"); "_per_sec" in the key adds "/s".
func Metric(key string, v float64) string {
	k := strings.ToLower(key)
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(k, x) {
				return true
			}
		}
		return false
	}
	rate := ""
	if strings.HasSuffix(k, "_per_sec") || strings.Contains(k, "_per_sec_") {
		rate = "/s"
	}
	switch {
	case has("bytes", "memory") && !has("per_byte"):
		return units.Bytes(v) + rate
	case has("share", "ratio", "fraction", "hit_rate", "percent_of"):
		return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
	case has("seconds_per_second"):
		return Number(v) + " s/s"
	case strings.HasSuffix(k, "_seconds") || strings.HasSuffix(k, "_s"):
		return Seconds(v)
	case has("minutes"):
		return Number(v) + " min"
	}
	return Number(v) + rate
}

// Number formats v with thousands separators and up to three decimals
// (trailing zeros dropped), never in exponent notation: "1,837,060",
// "5.11", "-0.5".
func Number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// Seconds formats a duration given in seconds with a unit that keeps it
// short: "850 ns", "12.5 µs", "1.2 ms", "3.4 s", "2m30s".
func Seconds(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0 s"
	case a < 1e-6:
		return Number(v*1e9) + " ns"
	case a < 1e-3:
		return strconv.FormatFloat(v*1e6, 'f', 1, 64) + " µs"
	case a < 1:
		return strconv.FormatFloat(v*1e3, 'f', 1, 64) + " ms"
	case a < 60:
		return strconv.FormatFloat(v, 'f', 2, 64) + " s"
	}
	return time.Duration(v * float64(time.Second)).Round(time.Second).String()
}
