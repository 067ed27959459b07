package stack

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// prefixHead is how much of the input unprefix reads to find out whether
// the goroutine headers carry a line prefix.
const prefixHead = 64 << 10

// unprefix returns a reader that removes a prefix the dump's lines carry,
// or r's bytes unchanged when the first goroutine header starts its line.
//
// Dumps copied from logs often have every line prefixed: indented by a
// quote or a list item in an issue ("    goroutine 1 [running]:"), or
// stamped by a log collector ("2026-11-30T06:17:33.1234567Z goroutine 1 …",
// "Nov 30 06:17:33 web-7 checkout[4242]: goroutine 1 …"). The prefix is taken
// from the first header. A prefix of blanks is removed from the lines that
// start with it; any other prefix, which must end in a blank, is removed from
// the lines whose first bytes have its shape (the same bytes, any digit
// standing for any digit), so changing timestamps match. A dump logged by a
// test (t.Log: "    main_test.go:42: goroutine 1 …", the next lines indented
// by 8 blanks) loses the decoration and the indent. Lines keep their
// numbers. The cost when the first header starts its line is one copy of
// the input up to that line.
func unprefix(r io.Reader) io.Reader {
	out, _ := unprefixHead(r)
	return out
}

// unprefixHead is unprefix that also returns the head it read.
func unprefixHead(r io.Reader) (io.Reader, []byte) {
	// Read until the first goroutine header line decides, at most
	// prefixHead bytes; most dumps start with one.
	var pre []byte
	decided := false
	head, err := readHead(r, func(h []byte) bool {
		pre, decided = findPrefix(h)
		return decided
	})
	src := headReader(head, err, r)
	if pre == nil {
		if !decided && isEscaped(head) {
			return &unescapeReader{br: bufio.NewReaderSize(src, prefixHead)}, head
		}
		return src, head
	}
	return &prefixReader{br: bufio.NewReaderSize(src, prefixHead), pre: pre, alt: testLogIndent(pre),
		blank: len(bytes.Trim(pre, " \t")) == 0, start: true}, head
}

// testLogIndent returns the indentation of the lines after the first of a
// test's log message when pre is the testing package's decoration of that
// first line ("    main_test.go:42: "; subtests indent by 4 more), nil
// otherwise. t.Log(dump) prints the header after the decoration and every
// other line of the dump indented by the decoration's blanks and 4 more.
func testLogIndent(pre []byte) []byte {
	ws := len(pre) - len(bytes.TrimLeft(pre, " "))
	rest := pre[ws:]
	name, line, ok := bytes.Cut(rest, []byte(".go:"))
	if ws == 0 || ws%4 != 0 || !ok || len(name) == 0 || bytes.ContainsAny(name, " \t/\\:") ||
		!bytes.HasSuffix(line, []byte(": ")) || len(line) < 3 {
		return nil
	}
	for _, c := range line[:len(line)-2] {
		if !isDigit(c) {
			return nil
		}
	}
	return bytes.Repeat([]byte(" "), ws+4)
}

// eofReader returns err on every read.
type eofReader struct{ err error }

func (e eofReader) Read([]byte) (int, error) { return 0, e.err }

// findPrefix returns the bytes before "goroutine N [" (or a debug=1
// profile's "goroutine profile: total N") on the first complete line of head
// that holds a goroutine header, and whether there is such a
// line. The prefix is nil when that header starts its line or is not one
// unprefix removes.
func findPrefix(head []byte) ([]byte, bool) {
	for {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			return nil, false
		}
		line := bytes.TrimSuffix(head[:i], []byte("\r"))
		head = head[i+1:]
		if isHeader(line) || isProfileHeader(line) {
			return nil, true
		}
		i = bytes.Index(line, prefixGoroutine)
		if j := bytes.Index(line, []byte("goroutineleak profile: total ")); j > 0 {
			i = j
		}
		switch {
		case i > 0 && isHeader(line[i:]) && headerLineEnds(line):
		case i > 0 && isProfileHeader(line[i:]):
			// A pprof debug=1 profile: "goroutine profile: total N".
		default:
			continue
		}
		pre := line[:i]
		if last := pre[len(pre)-1]; last != ' ' && last != '\t' {
			return nil, true
		}
		return bytes.Clone(pre), true
	}
}

// isProfileHeader reports whether line starts a pprof debug=1 goroutine or
// goroutineleak profile ("goroutine profile: total 31").
func isProfileHeader(line []byte) bool {
	return bytes.HasPrefix(line, []byte("goroutine profile: total ")) ||
		bytes.HasPrefix(line, []byte("goroutineleak profile: total "))
}

// prefixReader removes pre from the start of the lines that carry it.
type prefixReader struct {
	br    *bufio.Reader
	pre   []byte
	alt   []byte // a test log's continuation indent, removed where pre is not
	blank bool   // pre is blanks only: match it exactly
	start bool   // the next byte read starts a line
	out   []byte // the rest of the current line, not yet returned
	err   error
}

func (p *prefixReader) Read(b []byte) (int, error) {
	for len(p.out) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		line, err := p.br.ReadSlice('\n')
		if p.start {
			if n, ok := p.hasPrefix(line); ok {
				line = line[n:]
			}
		}
		p.start = err == nil
		p.out = line
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			p.err = err
		}
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

func (p *prefixReader) hasPrefix(line []byte) (int, bool) {
	if p.blank {
		return len(p.pre), bytes.HasPrefix(line, p.pre)
	}
	if n, ok := matchShape(p.pre, line); ok {
		return n, true
	}
	if p.alt != nil && bytes.HasPrefix(line, p.alt) {
		return len(p.alt), true
	}
	return 0, false
}

// matchShape reports whether line starts with a prefix of pre's shape and
// how long that prefix is: the same bytes, except that a run of digits
// stands for any run of digits and a fraction ".123" may be longer, shorter
// or missing, as in RFC 3339 timestamps with trailing zeros trimmed
// ("…T06:17:33.12Z", "…T06:17:33.1234567Z", "…T06:17:33Z").
func matchShape(pre, line []byte) (int, bool) {
	i, j := 0, 0
	for i < len(pre) {
		c := pre[i]
		switch {
		case isDigit(c):
			if j >= len(line) || !isDigit(line[j]) {
				return 0, false
			}
			for i < len(pre) && isDigit(pre[i]) {
				i++
			}
			for j < len(line) && isDigit(line[j]) {
				j++
			}
			continue
		case c == '.' && i > 0 && isDigit(pre[i-1]) && i+1 < len(pre) && isDigit(pre[i+1]) &&
			(j >= len(line) || line[j] != '.'):
			// pre has a fraction, line has none.
			for i++; i < len(pre) && isDigit(pre[i]); i++ {
			}
			continue
		case c != '.' && j+1 < len(line) && line[j] == '.' && j > 0 && isDigit(line[j-1]) && isDigit(line[j+1]) &&
			i > 0 && isDigit(pre[i-1]):
			// line has a fraction, pre has none.
			for j++; j < len(line) && isDigit(line[j]); j++ {
			}
			continue
		}
		if j >= len(line) || line[j] != c {
			return 0, false
		}
		i++
		j++
	}
	return j, true
}

// isEscaped reports whether head holds a dump written as one escaped log
// field, as Docker's daemon logs its SIGUSR1 dump:
// `msg="=== BEGIN goroutine stack dump ===\ngoroutine 1 [running]:\n…"`,
// and no line starts with a goroutine header.
func isEscaped(head []byte) bool {
	const esc = `\ngoroutine `
	for rest := head; ; {
		i := bytes.Index(rest, []byte(esc))
		if i < 0 {
			return false
		}
		rest = rest[i+len(esc)-len("goroutine "):]
		if isHeader(rest) {
			return !hasHeaderLine(head)
		}
	}
}

// hasHeaderLine reports whether a line of b starts with a goroutine header.
func hasHeaderLine(b []byte) bool {
	for len(b) > 0 {
		if isHeader(b) {
			return true
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return false
		}
		b = b[i+1:]
	}
	return false
}

// unescapeReader turns the escapes \n, \t, \" and \\ back into the bytes
// they stand for, so that an escaped dump reads as the runtime wrote it.
// Line numbers then count the unescaped lines.
type unescapeReader struct {
	br    *bufio.Reader
	out   []byte
	buf   []byte
	carry bool // the previous piece ended in a lone backslash
	err   error
}

func (u *unescapeReader) Read(b []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		piece, err := u.br.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			u.err = err
		}
		u.buf = u.buf[:0]
		if u.carry {
			u.carry = false
			if len(piece) == 0 {
				u.buf = append(u.buf, '\\')
			} else {
				u.buf = appendUnescaped(u.buf, piece[0])
				piece = piece[1:]
			}
		}
		for i := 0; i < len(piece); i++ {
			c := piece[i]
			if c != '\\' {
				u.buf = append(u.buf, c)
				continue
			}
			if i+1 == len(piece) {
				if u.err == nil {
					u.carry = true
				} else {
					u.buf = append(u.buf, c)
				}
				break
			}
			i++
			u.buf = appendUnescaped(u.buf, piece[i])
		}
		u.out = u.buf
	}
	n := copy(b, u.out)
	u.out = u.out[n:]
	return n, nil
}

// appendUnescaped appends what a backslash followed by c stands for.
func appendUnescaped(b []byte, c byte) []byte {
	switch c {
	case 'n':
		return append(b, '\n')
	case 't':
		return append(b, '\t')
	case '"', '\\':
		return append(b, c)
	}
	return append(b, '\\', c)
}
