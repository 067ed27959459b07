package term

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sanitize returns s with every rune that is not graphic (control
// characters, ESC, DEL, C1 controls, bidirectional overrides and other
// format characters) and every invalid UTF-8 byte written as a Go escape
// (\x1b, \u202e). Tabs are kept; newlines are escaped, so one string stays
// on one line. Text without such runes is returned unchanged, without
// allocating.
func Sanitize(s string) string { return sanitize(s, false) }

// SanitizeLines is Sanitize that keeps newlines, for multi-line messages.
func SanitizeLines(s string) string { return sanitize(s, true) }

func sanitize(s string, keepNewline bool) string {
	ok := func(r rune, size int) bool {
		return r == '\t' || (keepNewline && r == '\n') || (r != utf8.RuneError || size > 1) && strconv.IsGraphic(r)
	}
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !ok(r, size) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case ok(r, size):
			b.WriteString(s[i : i+size])
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		default:
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
