package stack

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Unwrapped is a goroutine dump's text as Parse reads it, taken out of the
// wrapping it arrived in. Parse given an *Unwrapped does not unwrap again.
type Unwrapped struct {
	r     io.Reader
	head  []byte
	notes *unwrapNotes
}

// Read reads the unwrapped text.
func (u *Unwrapped) Read(b []byte) (int, error) { return u.r.Read(b) }

// Via returns an Unwrapped that reads r, a reader layered on u (a byte
// limit, a counter), and keeps what u's unwrapping noted: Parse given it
// does not unwrap again and still reports what Unwrap skipped or found.
func (u *Unwrapped) Via(r io.Reader) *Unwrapped {
	return &Unwrapped{r: r, head: u.head, notes: u.notes}
}

// Head returns the first bytes of the unwrapped text (up to 64 KiB, before a
// line prefix is removed), for callers that sniff the content. It is valid
// until the first Read.
func (u *Unwrapped) Head() []byte { return u.head }

// Unwrap returns a reader of the goroutine dump text inside r. It takes
// off, in one streaming pass with bounded memory, the wrappings dumps
// arrive in:
//
//   - text encoding: a UTF-8 byte order mark; UTF-16 LE or BE (with a byte
//     order mark, as PowerShell's redirection writes it, or without one);
//   - bytes a terminal or log pipeline adds: NUL bytes, ANSI colour and
//     cursor escape sequences, CR-only and CRLF line ends (made LF);
//   - JSON records, one per line: `go test -json` streams (the Output
//     fields, joined per package and test, so interleaved tests keep their
//     lines whole) and structured logs (the text of the msg, message, log,
//     stack, error, … field; a field holding a goroutine header wins);
//     lines that are not JSON are kept as they are;
//   - logfmt records, one per line (log/slog's TextHandler, logrus):
//     key=value pairs, quoted values unquoted as Go quotes them, the text
//     taken from the same fields as from JSON;
//   - goleak's failure message ("found unexpected goroutines: [Goroutine 7
//     in state chan send, with main.leak on top of the stack: …]"), its
//     headers read as the runtime's;
//   - a dump escaped inside one log field ("\ngoroutine 1 [running]:\n…");
//   - a prefix on every line (indentation, a timestamp whose width varies
//     from line to line, a journald or syslog prefix), taken from the first
//     goroutine header.
//
// Input that needs none of this is passed through without copying.
func Unwrap(r io.Reader) *Unwrapped {
	if u, ok := r.(*Unwrapped); ok {
		return u
	}
	notes := &unwrapNotes{}
	r = decodeText(r)
	// CR-only line ends (old Mac tools, some terminal captures) are told
	// from CRLF by the first line end; CRLF is left to the parser.
	// A dump escaped into one log line can hold raw CRs too, but shows
	// its escaped line ends.
	first, err := readHead(r, func(h []byte) bool { return bytes.IndexByte(h, '\n') >= 0 })
	crs := bytes.Count(first, []byte{'\r'})
	crOnly := bytes.IndexByte(first, '\n') < 0 && crs >= 2 && crs > 2*bytes.Count(first, []byte(`\n`))
	r = &cleanReader{r: headReader(first, err, r), st: cleanState{crOnly: crOnly}}
	head, err := readHead(r, func(h []byte) bool { return bytes.Count(h, nl) >= 64 })
	src := headReader(head, err, r)
	switch {
	case isJSONLines(head):
		src = newJSONReader(src, notes, false)
	case isLogfmtLines(head):
		src = newJSONReader(src, notes, true)
	}
	src = goleakText(src, notes)
	out, h := unprefixHead(src)
	return &Unwrapped{r: out, head: h, notes: notes}
}

// goleakHeaderEnd ends the goroutine headers of goleak's failure messages:
// "[Goroutine 7 in state chan send, with main.leak on top of the stack:".
var goleakHeaderEnd = []byte(" on top of the stack:")

// goleakText returns r, with goleak's goroutine headers rewritten as the
// runtime's when its first prefixHead bytes hold one: goleak's VerifyNone
// and VerifyTestMain fail with "found unexpected goroutines:" and each
// goroutine as "Goroutine N in state S, with F on top of the stack:" and
// its stack, the list in brackets.
func goleakText(r io.Reader, notes *unwrapNotes) io.Reader {
	head, err := readHead(r, func(h []byte) bool { return bytes.Contains(h, goleakHeaderEnd) })
	src := headReader(head, err, r)
	if !bytes.Contains(head, goleakHeaderEnd) {
		return src
	}
	return &goleakReader{br: bufio.NewReaderSize(src, 64<<10), start: true, notes: notes}
}

// goleakReader rewrites goleak's headers line by line: "[Goroutine 7 in
// state chan send, with main.leak on top of the stack:" (or " Goroutine 8
// …" for the next ones) becomes "goroutine 7 [chan send]:" with the
// indentation kept, and the closing "]" line becomes empty.
type goleakReader struct {
	br    *bufio.Reader
	notes *unwrapNotes
	start bool
	out   []byte
	buf   []byte
	err   error
}

func (g *goleakReader) Read(b []byte) (int, error) {
	for len(g.out) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		line, err := g.br.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			g.err = err
		}
		g.out = line
		if g.start {
			if h, ok := goleakHeader(line, g.buf[:0]); ok {
				g.buf = h
				g.out = h
				if len(h) > 1 {
					g.notes.goleak++
				}
			}
		}
		g.start = err == nil
	}
	n := copy(b, g.out)
	g.out = g.out[n:]
	return n, nil
}

// goleakHeader appends to dst the runtime header for a goleak header line,
// or an empty line for goleak's closing "]", and reports whether line was
// one of them.
func goleakHeader(line, dst []byte) ([]byte, bool) {
	body := bytes.TrimRight(line, "\r\n")
	if t := bytes.TrimSpace(body); len(t) == 1 && t[0] == ']' {
		return append(dst, '\n'), true
	}
	if !bytes.HasSuffix(body, goleakHeaderEnd) {
		return dst, false
	}
	body = body[:len(body)-len(goleakHeaderEnd)]
	i := bytes.Index(body, []byte("Goroutine "))
	if i < 0 {
		return dst, false
	}
	indent := body[:i]
	if n := len(indent); n > 0 && (indent[n-1] == '[' || indent[n-1] == ' ') {
		indent = indent[:n-1]
	}
	rest := body[i+len("Goroutine "):]
	id, rest, ok := bytes.Cut(rest, []byte(" in state "))
	if !ok || len(id) == 0 || strings.Trim(string(id), "0123456789") != "" {
		return dst, false
	}
	k := bytes.LastIndex(rest, []byte(", with "))
	if k <= 0 {
		return dst, false
	}
	state, labels := rest[:k], []byte(nil)
	if j := bytes.Index(state, []byte("] {")); j > 0 && bytes.HasSuffix(state, []byte("}")) {
		// goleak 1.3 keeps a Go 1.27 header's labels in the state:
		// "Goroutine 5 in state chan send] {handler: x}, with …".
		state, labels = state[:j], state[j+1:]
	}
	dst = append(dst, indent...)
	dst = append(dst, "goroutine "...)
	dst = append(dst, id...)
	dst = append(dst, " ["...)
	dst = append(dst, state...)
	dst = append(dst, ']')
	dst = append(dst, labels...)
	dst = append(dst, ":\n"...)
	return dst, true
}

// unwrapNotes collects what the unwrapping layer skipped, for Parse's error.
type unwrapNotes struct {
	errs []string
	// goleak counts the goroutine headers taken from goleak's message.
	goleak int
}

func (n *unwrapNotes) add(msg string) {
	if len(n.errs) < 10 {
		n.errs = append(n.errs, msg)
	}
}

// readHead reads from r until enough reports true, prefixHead bytes are
// read or r ends.
func readHead(r io.Reader, enough func([]byte) bool) ([]byte, error) {
	head := make([]byte, 0, 4<<10)
	var err error
	for len(head) < prefixHead && err == nil {
		if len(head) == cap(head) {
			head = append(head, make([]byte, len(head))...)[:len(head)]
		}
		var k int
		k, err = r.Read(head[len(head):min(cap(head), prefixHead)])
		head = head[:len(head)+k]
		if enough(head) {
			break
		}
	}
	return head, err
}

// headReader returns head followed by the rest of r; a read error that
// ended the head is handed on as it came (a cut gzip stream's
// io.ErrUnexpectedEOF must reach Parse's caller).
func headReader(head []byte, err error, r io.Reader) io.Reader {
	rest := r
	if err != nil {
		rest = eofReader{err}
	}
	if len(head) == 0 {
		return rest
	}
	return io.MultiReader(bytes.NewReader(head), rest)
}

// decodeText strips a UTF-8 byte order mark and decodes UTF-16 to UTF-8.
func decodeText(r io.Reader) io.Reader {
	head, err := readHead(r, func(h []byte) bool { return len(h) >= 512 })
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		return headReader(head[3:], err, r)
	case bytes.HasPrefix(head, []byte("\xff\xfe")):
		return &utf16Reader{r: headReader(head[2:], err, r), order: binary.LittleEndian}
	case bytes.HasPrefix(head, []byte("\xfe\xff")):
		return &utf16Reader{r: headReader(head[2:], err, r), order: binary.BigEndian}
	}
	if order := utf16Order(head); order != nil {
		return &utf16Reader{r: headReader(head, err, r), order: order}
	}
	return headReader(head, err, r)
}

// utf16Order recognises UTF-16 text without a byte order mark: ASCII text
// in which every other byte is NUL.
func utf16Order(h []byte) binary.ByteOrder {
	if len(h) < 16 {
		return nil
	}
	h = h[:len(h)&^1]
	var zeroEven, zeroOdd int
	for i := 0; i < len(h); i += 2 {
		if h[i] == 0 {
			zeroEven++
		}
		if h[i+1] == 0 {
			zeroOdd++
		}
	}
	n := len(h) / 2
	switch {
	case zeroOdd*10 >= n*9 && zeroEven*10 < n:
		return binary.LittleEndian
	case zeroEven*10 >= n*9 && zeroOdd*10 < n:
		return binary.BigEndian
	}
	return nil
}

// utf16Reader decodes UTF-16 to UTF-8; invalid code units become U+FFFD.
type utf16Reader struct {
	r     io.Reader
	order binary.ByteOrder
	in    []byte
	odd   []byte // a byte or a high surrogate carried to the next read
	out   []byte
	err   error
}

func (u *utf16Reader) Read(b []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			if len(u.odd) > 0 {
				u.odd = nil
				u.out = utf8.AppendRune(u.out[:0], utf8.RuneError)
				break
			}
			return 0, u.err
		}
		if u.in == nil {
			u.in = make([]byte, 32<<10)
		}
		n := copy(u.in, u.odd)
		k, err := u.r.Read(u.in[n:])
		u.err = err
		data := u.in[:n+k]
		u.odd = u.odd[:0]
		u.out = u.out[:0]
		for len(data) >= 2 {
			c := u.order.Uint16(data)
			if utf16.IsSurrogate(rune(c)) && c < 0xdc00 {
				if len(data) < 4 {
					break
				}
				d := u.order.Uint16(data[2:])
				u.out = utf8.AppendRune(u.out, utf16.DecodeRune(rune(c), rune(d)))
				if utf16.DecodeRune(rune(c), rune(d)) == utf8.RuneError {
					data = data[2:]
					continue
				}
				data = data[4:]
				continue
			}
			u.out = utf8.AppendRune(u.out, rune(c))
			data = data[2:]
		}
		u.odd = append(u.odd, data...)
	}
	n := copy(b, u.out)
	u.out = u.out[n:]
	return n, nil
}

// cleanReader removes NUL bytes and ANSI escape sequences and, in CR-only
// input, turns CR line ends into LF, in place in the caller's buffer. Input
// without NUL or ESC costs two byte scans.
type cleanReader struct {
	r  io.Reader
	st cleanState
}

// cleanState carries an escape sequence or a CR across reads.
type cleanState struct {
	esc uint8 // 0 none, 1 after ESC, 2 in CSI, 3 in OSC, 4 ESC inside OSC
	cr  bool  // the last byte was a CR turned into LF: drop a following LF
	// crOnly: lines end in a lone CR, turned into LF.
	crOnly bool
}

func (c *cleanReader) Read(b []byte) (int, error) {
	for {
		n, err := c.r.Read(b)
		n = c.st.clean(b[:n])
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// clean cleans b in place and returns the new length.
func (st *cleanState) clean(b []byte) int {
	start := 0
	if st.esc == 0 && !st.cr {
		start = len(b)
		for _, c := range [...]byte{0, 0x1b, '\r'} {
			if c == '\r' && !st.crOnly {
				break
			}
			if i := bytes.IndexByte(b[:start], c); i >= 0 {
				start = i
			}
		}
		if start == len(b) {
			return len(b)
		}
	}
	w := start
	for _, c := range b[start:] {
		if st.cr {
			st.cr = false
			if c == '\n' {
				continue
			}
		}
		switch st.esc {
		case 1:
			switch c {
			case '[':
				st.esc = 2
			case ']':
				st.esc = 3
			default:
				st.esc = 0 // a two-byte sequence (ESC 7, ESC M, …)
			}
			continue
		case 2:
			if c >= 0x40 && c <= 0x7e {
				st.esc = 0
			} else if c == '\n' {
				st.esc = 0
				b[w] = c
				w++
			}
			continue
		case 3, 4:
			switch {
			case c == 0x07, st.esc == 4 && c == '\\':
				st.esc = 0
			case c == 0x1b:
				st.esc = 4
			case c == '\n':
				st.esc = 0
				b[w] = c
				w++
			default:
				st.esc = 3
			}
			continue
		}
		switch c {
		case 0:
			continue
		case 0x1b:
			st.esc = 1
			continue
		case '\r':
			if st.crOnly {
				st.cr = true
				c = '\n'
			}
		}
		b[w] = c
		w++
	}
	return w
}

// Field names whose string value structured logs put a message or a stack
// in, most likely first.
var textFields = [...]string{
	"Output", "stack", "stacktrace", "stack_trace", "msg", "message", "MESSAGE", "log",
	"error", "err", "textPayload", "body", "exception", "panic",
}

// quotedTextFields are textFields as they appear in a JSON record.
var quotedTextFields = func() (q [len(textFields)][]byte) {
	for i, f := range textFields {
		q[i] = []byte(`"` + f + `"`)
	}
	return q
}()

// hasTextField reports whether a JSON record names one of textFields.
func hasTextField(rec []byte) bool {
	for _, f := range quotedTextFields {
		if bytes.Contains(rec, f) {
			return true
		}
	}
	return false
}

// maxRecord bounds one JSON record (a whole dump may be in one field).
const maxRecord = 64 << 20

// isJSONLines reports whether head is one JSON object per line: most of
// its first lines are, and one has a text field or a test2json Action.
func isJSONLines(head []byte) bool {
	return mostlyRecords(head, func(line []byte) (record, field bool) {
		var m map[string]json.RawMessage
		if line[0] != '{' || json.Unmarshal(line, &m) != nil {
			return false, false
		}
		if _, ok := m["Action"]; ok {
			return true, true
		}
		for _, f := range textFields {
			if v, ok := m[f]; ok && len(v) > 0 && v[0] == '"' {
				return true, true
			}
		}
		return true, false
	})
}

// isLogfmtLines reports whether head is one logfmt record per line
// (`time=… level=ERROR msg="goroutine 1 [running]:"`, as log/slog's
// TextHandler writes): most of its first lines are two or more key=value
// pairs, and one has a text field.
func isLogfmtLines(head []byte) bool {
	return mostlyRecords(head, func(line []byte) (record, field bool) {
		m, ok := parseLogfmt(line)
		if !ok || len(m) < 2 {
			return false, false
		}
		for _, f := range textFields {
			if _, ok := m[f]; ok {
				return true, true
			}
		}
		return true, false
	})
}

// mostlyRecords reports whether at least half of head's first 32 non-empty
// lines are log records, as classify judges each (trimmed) line, and one
// of them has a field that can carry a dump.
func mostlyRecords(head []byte, classify func(line []byte) (record, field bool)) bool {
	lines, recs, fields := 0, 0, 0
	for len(head) > 0 && lines < 32 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSpace(head[:i])
		head = head[i+1:]
		if len(line) == 0 {
			continue
		}
		lines++
		r, f := classify(line)
		if r {
			recs++
		}
		if f {
			fields++
		}
	}
	return lines > 0 && fields > 0 && recs*2 >= lines
}

// parseLogfmt reads a line of key=value pairs separated by spaces; a value
// is bare (up to the next space) or quoted as strconv.Quote quotes it. ok
// is false when the line is not that.
func parseLogfmt(line []byte) (map[string]string, bool) {
	m := map[string]string{}
	for {
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		if len(line) == 0 {
			return m, len(m) > 0
		}
		eq := bytes.IndexByte(line, '=')
		if eq <= 0 || bytes.ContainsAny(line[:eq], " \"\t") {
			return nil, false
		}
		key := string(line[:eq])
		line = line[eq+1:]
		if len(line) > 0 && line[0] == '"' {
			end := 1
			for end < len(line) && line[end] != '"' {
				if line[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(line) {
				return nil, false
			}
			v, err := strconv.Unquote(string(line[:end+1]))
			if err != nil {
				return nil, false
			}
			m[key] = v
			line = line[end+1:]
			if len(line) > 0 && line[0] != ' ' {
				return nil, false
			}
			continue
		}
		end := bytes.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		m[key] = string(line[:end])
		line = line[end:]
	}
}

// jsonReader turns JSON (or logfmt) records into the text they carry.
type jsonReader struct {
	logfmt  bool
	br      *bufio.Reader
	notes   *unwrapNotes
	line    []byte
	out     []byte
	err     error
	partial map[string][]byte // test2json output without its newline yet, by package and test
	order   []string
	records int
}

func newJSONReader(r io.Reader, notes *unwrapNotes, logfmt bool) *jsonReader {
	return &jsonReader{logfmt: logfmt, br: bufio.NewReaderSize(r, 64<<10), notes: notes, partial: map[string][]byte{}}
}

func (j *jsonReader) Read(b []byte) (int, error) {
	for len(j.out) == 0 {
		if j.err != nil {
			if len(j.order) > 0 {
				// Output left without a final newline.
				for _, k := range j.order {
					j.out = append(j.out, j.partial[k]...)
					j.out = append(j.out, '\n')
					delete(j.partial, k)
				}
				j.order = nil
				break
			}
			return 0, j.err
		}
		j.out = j.out[:0]
		line, err := j.readLine()
		if err != nil {
			j.err = err
		}
		if line != nil {
			j.record(line)
		}
	}
	n := copy(b, j.out)
	j.out = j.out[n:]
	return n, nil
}

// readLine reads one line of at most maxRecord bytes; a longer one is
// skipped and noted.
func (j *jsonReader) readLine() ([]byte, error) {
	j.line = j.line[:0]
	for {
		piece, err := j.br.ReadSlice('\n')
		if len(j.line)+len(piece) <= maxRecord {
			j.line = append(j.line, piece...)
		} else if len(j.line) <= maxRecord {
			j.notes.add("JSON record longer than 64 MiB skipped")
			j.line = j.line[:maxRecord+1]
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		j.records++
		if len(j.line) > maxRecord {
			return nil, err
		}
		return j.line, err
	}
}

// record appends the text of one line to j.out.
func (j *jsonReader) record(line []byte) {
	t := bytes.TrimSpace(line)
	if j.logfmt {
		m, ok := parseLogfmt(t)
		if !ok {
			j.out = append(j.out, line...)
			return
		}
		j.pick(func(k string) (string, bool) {
			v, ok := m[k]
			return v, ok
		})
		return
	}
	if len(t) > 0 && t[0] == '{' && !hasTextField(t) {
		// No field can carry text (a test2json "pass" record, a log
		// record of numbers): skip it without decoding it, which costs
		// more than the rest of the parse. A line that is not JSON either
		// is no dump line, since none starts with '{'.
		return
	}
	var m map[string]json.RawMessage
	if len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &m) != nil {
		j.out = append(j.out, line...)
		return
	}
	str := func(k string) (string, bool) {
		v, ok := m[k]
		if !ok || len(v) == 0 || v[0] != '"' {
			return "", false
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	}
	if _, ok := m["Action"]; ok {
		out, ok := str("Output")
		if !ok {
			return
		}
		pkg, _ := str("Package")
		test, _ := str("Test")
		j.testOutput(pkg+"\x00"+test, out)
		return
	}
	j.pick(str)
}

// pick emits the text field of a record whose string fields str returns:
// the first of textFields holding a goroutine header, else the first
// present.
func (j *jsonReader) pick(str func(string) (string, bool)) {
	text, found := "", false
	for _, f := range textFields {
		s, ok := str(f)
		if !ok {
			continue
		}
		if strings.Contains(s, "goroutine ") && hasHeaderLine([]byte(s)) || strings.Contains(s, "\ngoroutine ") {
			text, found = s, true
			break
		}
		if !found {
			text, found = s, true
		}
	}
	if !found {
		return
	}
	j.emit(text)
}

// testOutput joins test2json Output pieces per test and emits whole lines.
func (j *jsonReader) testOutput(key, out string) {
	p, ok := j.partial[key]
	if !ok {
		j.order = append(j.order, key)
	}
	p = append(p, out...)
	i := bytes.LastIndexByte(p, '\n')
	if i < 0 && len(p) < maxLineLen {
		j.partial[key] = p
		return
	}
	if i < 0 {
		i = len(p) - 1
	}
	start := len(j.out)
	j.out = append(j.out, p[:i+1]...)
	var st cleanState
	j.out = j.out[:start+st.clean(j.out[start:])]
	rest := p[i+1:]
	if len(rest) == 0 {
		delete(j.partial, key)
		for k, o := range j.order {
			if o == key {
				j.order = append(j.order[:k], j.order[k+1:]...)
				break
			}
		}
		return
	}
	j.partial[key] = append(p[:0], rest...)
}

// emit appends the text of a log record, cleaned, ending in a newline.
func (j *jsonReader) emit(s string) {
	start := len(j.out)
	j.out = append(j.out, s...)
	var st cleanState
	j.out = j.out[:start+st.clean(j.out[start:])]
	if len(j.out) == start || j.out[len(j.out)-1] != '\n' {
		j.out = append(j.out, '\n')
	}
}

// LooksLikeText reports whether head, the first bytes of an input, is text
// that Unwrap reads: UTF-8 (with or without a byte order mark) or UTF-16,
// where NUL bytes and ANSI escapes are allowed and other control characters
// are rare. Binary data (protobuf, zip, gzip) is not text.
func LooksLikeText(head []byte) bool {
	dec, _ := io.ReadAll(decodeText(bytes.NewReader(head)))
	n, bad := 0, 0
	for _, c := range dec {
		if n == 4096 {
			break
		}
		switch {
		case c == 0:
			continue
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b:
			bad++
		}
		n++
	}
	return n > 0 && bad*100 < n
}
