package term

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultWidth is the width assumed when neither the terminal nor COLUMNS
// says how wide the output may be.
const DefaultWidth = 100

// Width returns the number of columns to lay output out in: ttyWidth when
// the output is a terminal that reported its size (ttyWidth > 0), else the
// COLUMNS environment variable read through getenv when it is a positive
// number, else DefaultWidth.
func Width(ttyWidth int, getenv func(string) string) int {
	if ttyWidth > 0 {
		return ttyWidth
	}
	if getenv != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
			return n
		}
	}
	return DefaultWidth
}

// ColorMode is the --color setting: auto, always or never.
type ColorMode int

// Colour modes. The zero value is ColorAuto.
const (
	// ColorAuto colours output written to a terminal unless NO_COLOR is set
	// or TERM is "dumb".
	ColorAuto ColorMode = iota
	// ColorAlways colours output wherever it goes (a pager with -R, a file).
	ColorAlways
	// ColorNever never colours.
	ColorNever
)

var colorModeNames = [...]string{"auto", "always", "never"}

// String returns the flag spelling ("auto").
func (m ColorMode) String() string {
	if m < 0 || int(m) >= len(colorModeNames) {
		return fmt.Sprintf("ColorMode(%d)", int(m))
	}
	return colorModeNames[m]
}

// Set parses a flag value: auto, always or never. ColorMode is a flag.Value.
func (m *ColorMode) Set(s string) error {
	for i, n := range colorModeNames {
		if strings.EqualFold(s, n) {
			*m = ColorMode(i)
			return nil
		}
	}
	return fmt.Errorf("unknown colour mode %q (want auto, always or never)", s)
}

// UseColor decides whether to colour output: never for ColorNever, always
// for ColorAlways, and for ColorAuto only when the output is a terminal,
// the NO_COLOR environment variable is unset or empty (https://no-color.org)
// and TERM is not "dumb".
func UseColor(m ColorMode, isTerminal bool, getenv func(string) string) bool {
	switch m {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	if !isTerminal {
		return false
	}
	if getenv != nil && (getenv("NO_COLOR") != "" || getenv("TERM") == "dumb") {
		return false
	}
	return true
}

// Color is an SGR attribute of a terminal (a colour or a weight).
type Color string

// The colours gdiag uses, as SGR parameters.
const (
	Bold    Color = "1"
	Dim     Color = "2"
	Red     Color = "31"
	Green   Color = "32"
	Yellow  Color = "33"
	Blue    Color = "34"
	Magenta Color = "35"
	Cyan    Color = "36"
	BoldRed Color = "1;31"
)

// Painter colours text when it is on and returns it unchanged when off. The
// zero value is off. It is the one place that writes ANSI escape sequences;
// callers paint text they have already passed through Sanitize.
type Painter struct{ On bool }

// Paint wraps s in the SGR sequence for c and a reset. An empty s or an
// empty c is returned unchanged.
func (p Painter) Paint(c Color, s string) string {
	if !p.On || s == "" || c == "" {
		return s
	}
	return "\x1b[" + string(c) + "m" + s + "\x1b[0m"
}

// Visible returns s without the SGR sequences Paint adds, for measuring
// the width a painted string takes on the terminal.
func Visible(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], 'm')
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		s = s[i+j+1:]
	}
}
