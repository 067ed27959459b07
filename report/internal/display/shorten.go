package display

import (
	"strings"
	"unicode/utf8"
)

// ShortenName fits a qualified Go function name into n runes by dropping
// whole elements from the middle of its import path, so the host and the
// package stay readable: "github.com/acme/shop/internal/checkout.(*Svc).Run"
// → "github.com/acme/…/checkout.(*Svc).Run". The last element (package
// name, receiver and function) is kept whole; when even "…/" and it do not
// fit, type arguments become "[…]" and then leading qualifiers are dropped
// at a '.' ("…(*Svc).Run"). Only a single identifier longer than n is cut,
// at its end. Names that fit are returned unchanged.
func ShortenName(name string, n int) string {
	if runeLen(name) <= n {
		return name
	}
	end := len(name)
	if i := strings.IndexByte(name, '['); i >= 0 {
		end = i
	}
	slash := strings.LastIndexByte(name[:end], '/')
	if slash <= 0 {
		return shortenLast(name, n)
	}
	dirs, last := strings.Split(name[:slash], "/"), name[slash+1:]
	if s, ok := middle(dirs, last, "/", n); ok {
		return s
	}
	if c := collapseTypeArgs(last); c != last {
		if s, ok := middle(dirs, c, "/", n); ok {
			return s
		}
	}
	return shortenLast(last, n)
}

// collapseTypeArgs replaces the type arguments of a function name with "…":
// "F[go.shape.int]" → "F[…]".
func collapseTypeArgs(s string) string {
	i := strings.IndexByte(s, '[')
	j := strings.LastIndexByte(s, ']')
	if i < 0 || j <= i+1 {
		return s
	}
	return s[:i+1] + "…" + s[j:]
}

// ShortenPath fits a file path (with an optional ":line") into n runes by
// dropping whole directories from its middle: the first directory and the
// file name stay, "/home/ci/src/acme/shop/checkout/pricing.go:214" →
// "/home/…/checkout/pricing.go:214", then "…/pricing.go:214". Only a file
// name longer than n is cut, keeping its tail (the line number).
func ShortenPath(p string, n int) string {
	if runeLen(p) <= n {
		return p
	}
	sep := "/"
	if !strings.Contains(p, "/") && strings.Contains(p, `\`) {
		sep = `\`
	}
	i := strings.LastIndex(p, sep)
	if i < 0 {
		return keepTail(p, n)
	}
	if s, ok := middle(strings.Split(p[:i], sep), p[i+1:], sep, n); ok {
		return s
	}
	return keepTail(p[i+1:], n)
}

// middle joins the first and last elements of dirs around "…" and then last,
// keeping as many whole elements as fit in n runes, those nearest last
// first. It returns false when not even "…/last" fits.
func middle(dirs []string, last, sep string, n int) (string, bool) {
	build := func(l, r int) string {
		var b strings.Builder
		if l+r >= len(dirs) {
			return strings.Join(dirs, sep) + sep + last
		}
		for _, d := range dirs[:l] {
			b.WriteString(d)
			b.WriteString(sep)
		}
		b.WriteString("…")
		for _, d := range dirs[len(dirs)-r:] {
			b.WriteString(sep)
			b.WriteString(d)
		}
		b.WriteString(sep)
		b.WriteString(last)
		return b.String()
	}
	best := build(0, 0)
	if runeLen(best) > n {
		return "", false
	}
	l, r := 0, 0
	for l+r < len(dirs) {
		switch {
		case runeLen(build(l+1, r)) <= n && l == 0: // the host or root first
			l++
		case runeLen(build(l, r+1)) <= n:
			r++
		case runeLen(build(l+1, r)) <= n:
			l++
		default:
			return build(l, r), true
		}
	}
	return build(l, r), true
}

// shortenLast fits the last element of a function name ("pkg.(*T[…]).m")
// into n runes: type arguments collapse to "[…]", then qualifiers are
// dropped from the left at dots, then the end of the name is cut.
func shortenLast(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	if s = collapseTypeArgs(s); runeLen(s) <= n {
		return s
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '.' && i+1 < len(s) {
			if c := "…" + s[i+1:]; runeLen(c) <= n {
				return c
			}
		}
	}
	if n <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// keepTail returns "…" and the last n-1 runes of s.
func keepTail(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	r := []rune(s)
	return "…" + string(r[len(r)-(n-1):])
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
