package display

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gdiag/gdiag/internal/units"
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
