package stack

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// result is what a parser produced from one chunk.
type result struct {
	gs        []Goroutine
	errs      []LineError
	dropped   int
	skipped   int
	truncated bool
	headers   int
	endLine   int
	crash     bool
	debug1    bool
	reason    string
}

// pending says what the next tab-indented file line belongs to.
type pending uint8

const (
	pendNone       pending = iota
	pendFrame              // a frame of the goroutine (or of the current ancestor)
	pendCreated            // "created by" of the goroutine
	pendAncCreated         // "created by" of an ancestor: read and dropped
)

// parser is a byte-level state machine over lines. One parser is used by one
// goroutine; it keeps its Interner across chunks.
type parser struct {
	in      *Interner
	maxErrs int
	res     *result
	lineNo  int

	// current block
	inBlock   bool
	skipping  bool
	g         Goroutine
	frames    []Frame
	key       []byte
	elided    int
	nostack   bool // "goroutine running on other thread; stack unavailable"
	anc       bool // inside an "[originating from goroutine N]:" section
	ancID     int64
	ancFrames []Frame
	ancKey    []byte
	ancElided int
	pend      pending
	pendFunc  string
	pendID    uint32
	noise     []byte // previous in-block line that matched nothing (a cgo frame name?)
	broken    []byte // function name of a frame line cut short by other output
	cutShort  bool   // the input ended inside this block (already reported)
	brokenAt  int    // its line number
	partial   bool   // the current line is the input's last and has no newline
}

func newParser(in *Interner, maxErrs int) *parser {
	return &parser{in: in, maxErrs: maxErrs}
}

// parse parses one chunk. The returned result does not alias c.data.
func (p *parser) parse(c *chunk) *result {
	p.res = &result{debug1: c.debug1}
	p.partial = false
	p.lineNo = c.line - 1
	p.resetBlock()
	p.skipping = c.midBlock
	data := c.data
	if c.midLine {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			data = nil
		} else {
			data = data[i+1:]
		}
		p.lineNo++
	}
	for len(data) > 0 {
		var line []byte
		i := bytes.IndexByte(data, '\n')
		if i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
			p.partial = c.last
		}
		p.lineNo++
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) > maxLineLen {
			if c.cut && len(data) == 0 && i < 0 {
				break // reported below as an oversized goroutine
			}
			p.errorf("line longer than %d bytes skipped", maxLineLen)
			if p.inBlock {
				p.malformed("")
			}
			continue
		}
		if c.debug1 {
			p.debug1Line(line)
		} else {
			p.textLine(line)
		}
	}
	p.endChunk(c)
	p.res.endLine = p.lineNo
	return p.res
}

func (p *parser) endChunk(c *chunk) {
	if c.cut {
		if p.inBlock && !p.skipping {
			p.errorf("goroutine longer than %d bytes; the rest of it is skipped", maxChunk)
			p.pend = pendNone
			p.endBlock()
		}
		p.resetBlock()
		return
	}
	if !c.last {
		// The next chunk starts with a header: end the block as it would.
		if p.pend != pendNone && p.inBlock && !p.skipping {
			p.errorf("function %s without file line; frame dropped", p.pendFunc)
			p.pend = pendNone
		}
		p.endBlock()
		return
	}
	if p.inBlock && !p.skipping {
		// A last line without a newline that parsed is complete: editors
		// and pastes drop the final newline.
		if p.pend != pendNone || (len(p.frames) == 0 && !p.nostack && !c.debug1 && !p.anc && len(p.g.Ancestors) == 0) {
			p.res.truncated = true
			p.errorf("input ends in the middle of goroutine %d", p.g.ID)
			p.pend = pendNone
			p.cutShort = true
		}
	}
	p.endBlock()
}

func (p *parser) errorf(format string, args ...any) {
	if len(p.res.errs) >= p.maxErrs {
		p.res.dropped++
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	p.res.errs = append(p.res.errs, LineError{Line: p.lineNo, Msg: msg})
}

// malformed drops the current block, reporting msg at the current line when
// msg is not empty. At the very end of the input a malformed line means the
// input was cut: the goroutine is kept.
func (p *parser) malformed(msg string) {
	if p.partial {
		p.res.truncated = true
		p.errorf("input ends in the middle of goroutine %d", p.g.ID)
		p.pend = pendNone
		p.cutShort = true
		p.endBlock()
		p.skipping = true
		return
	}
	if msg != "" {
		p.errorf("%s; goroutine %d skipped", msg, p.g.ID)
	}
	p.res.skipped++
	p.inBlock = false
	p.skipping = true
	p.pend = pendNone
}

func (p *parser) resetBlock() {
	p.inBlock = false
	p.skipping = false
	p.g = Goroutine{}
	p.frames = p.frames[:0]
	p.key = p.key[:0]
	p.elided = 0
	p.nostack = false
	p.anc = false
	p.ancFrames = p.ancFrames[:0]
	p.ancKey = p.ancKey[:0]
	p.ancElided = 0
	p.pend = pendNone
	p.noise = nil
	p.broken = nil
	p.cutShort = false
}

// endBlock stores the current goroutine, if any, and resets the state.
func (p *parser) endBlock() {
	if p.inBlock && !p.skipping {
		if len(p.frames) == 0 && !p.nostack && !p.cutShort && !p.res.debug1 && !p.anc && len(p.g.Ancestors) == 0 {
			// The runtime never prints a header without frames; keep the
			// goroutine (it exists) and say that its stack is missing.
			p.errorf("goroutine %d has no frames", p.g.ID)
		}
		p.endAncestor()
		var s *Stack
		p.key, s = p.in.stackKeyed(p.key, p.frames, p.elided)
		p.g.Stack = s
		if p.g.CreatedBy.Func != "" && isRuntimeFunc(p.g.CreatedBy.Func) {
			p.g.Flags |= FlagSystem
		}
		p.g.Op = Classify(&p.g)
		p.g.nostack = p.nostack
		p.res.gs = append(p.res.gs, p.g)
	}
	p.resetBlock()
}

func (p *parser) endAncestor() {
	if !p.anc {
		return
	}
	var s *Stack
	p.ancKey, s = p.in.stackKeyed(p.ancKey, p.ancFrames, p.ancElided)
	p.g.Ancestors = append(p.g.Ancestors, Ancestor{ID: p.ancID, Stack: s})
	p.anc = false
	p.ancFrames = p.ancFrames[:0]
	p.ancKey = p.ancKey[:0]
	p.ancElided = 0
}

var (
	prefixGoroutine = []byte("goroutine ")
	prefixCreated   = []byte("created by ")
	prefixOrigin    = []byte("[originating from goroutine ")
	prefixNonGo     = []byte("non-Go function")
	prefixOther     = []byte("\tgoroutine running on other thread")
	prefixPanic     = []byte("panic: ")
	prefixFatal     = []byte("fatal error: ")
	prefixSignal    = []byte("[signal ")
	inGoroutine     = []byte(" in goroutine ")
	framesElided    = []byte(" frames elided...")
	additionalElide = []byte("...additional frames elided...")
)

// isHeader reports whether line starts a goroutine block.
func isHeader(line []byte) bool {
	return len(line) > len(prefixGoroutine) && line[0] == 'g' &&
		bytes.HasPrefix(line, prefixGoroutine) && isDigit(line[len(prefixGoroutine)])
}

func (p *parser) textLine(line []byte) {
	if p.pend != pendNone {
		if len(line) > 0 && line[0] == '\t' {
			p.fileLine(line[1:])
			return
		}
		// A goroutine header is never a file line, even when it ends like
		// one ("goroutine 0.go:0"): headers start blocks.
		if b := spacedFileLine(line); b != nil && !isHeader(line) {
			p.fileLine(b)
			return
		}
		if !p.skipping && p.straddled(line) {
			return
		}
	}
	if len(line) == 0 {
		p.endBlock()
		return
	}
	if isHeader(line) {
		p.endBlock()
		p.header(line)
		return
	}
	if p.skipping {
		return
	}
	if !p.inBlock {
		p.outside(line)
		return
	}
	noise := p.noise
	p.noise = nil
	switch line[0] {
	case '\t':
		if noise != nil && bytes.Contains(line, []byte("pc=")) {
			// A symbolized cgo frame: name line, then "\tfile:line pc=0x…".
			p.startFrame(noise)
			p.fileLine(line[1:])
			return
		}
		if bytes.HasPrefix(line, prefixOther) {
			p.nostack = true
			return
		}
		if p.broken != nil {
			// Another writer's output landed in the middle of a frame's
			// function line (a crash log on a shared stderr): the function
			// name came before it, this is the frame's file line.
			p.errorf("frame line %d cut by other output; function %q kept", p.brokenAt, p.broken)
			p.startFrame(p.broken)
			p.fileLine(line[1:])
			return
		}
		// A tab-indented line of other output: ignored, the goroutine kept.
		p.errorf("indented line without a function line before it ignored")
		return
	case '.':
		if bytes.Equal(line, additionalElide) {
			if p.anc {
				p.ancElided = -1
			} else {
				p.elided = -1
			}
			return
		}
		if bytes.HasPrefix(line, []byte("...")) && bytes.HasSuffix(line, framesElided) {
			n, ok := atoi(line[3 : len(line)-len(framesElided)])
			if !ok || n > math.MaxInt32 {
				p.malformed("bad elided frame count")
				return
			}
			if p.anc {
				p.ancElided = int(n)
			} else {
				p.elided = int(n)
			}
			return
		}
	case ' ':
		// Pasted dumps often have the runtime's tab turned into spaces.
		if bytes.HasPrefix(bytes.TrimLeft(line, " "), prefixOther[1:]) {
			p.nostack = true
			return
		}
	case '[':
		if bytes.HasPrefix(line, prefixOrigin) && bytes.HasSuffix(line, []byte("]:")) {
			id, ok := atoi(line[len(prefixOrigin) : len(line)-2])
			if !ok {
				p.malformed("bad ancestor goroutine id")
				return
			}
			p.endAncestor()
			p.anc = true
			p.ancID = id
			return
		}
	case 'c':
		if bytes.HasPrefix(line, prefixCreated) {
			p.createdBy(line[len(prefixCreated):])
			return
		}
	case 'n':
		if bytes.HasPrefix(line, prefixNonGo) {
			// "non-Go function at pc=0x…" (no symbolizer) or the
			// symbolized "non-Go function" followed by a file line.
			p.noise = line[:len(prefixNonGo)]
			if len(line) > len(prefixNonGo) {
				p.startFrame(line[:len(prefixNonGo)])
				p.addFrame("", 0)
			}
			return
		}
	}
	if name := funcName(line); name != nil {
		p.startFrame(name)
		return
	}
	if isBareFunc(line) {
		// gccgo prints a frame's function without arguments: "main.main".
		p.startFrame(line)
		return
	}
	if name := cutFuncName(line); name != nil {
		p.broken, p.brokenAt = name, p.lineNo
	}
	p.noise = line
}

// straddled handles a line that is not the file line expected after a
// frame's function line (or a "created by" line). Log output written into a
// crash log often lands there. A goroutine already read is never dropped for
// it: a blank line or a header ends the goroutine without the unfinished
// frame; a line that is itself a frame's function line replaces the one
// before it, which had no file line; any other line is ignored and the file
// line is still expected. It reports whether the line was consumed.
func (p *parser) straddled(line []byte) bool {
	if len(line) == 0 || isHeader(line) {
		p.errorf("function %s without file line; frame dropped", p.pendFunc)
		p.pend = pendNone
		return false
	}
	if p.partial {
		p.malformed("function without file line")
		return true
	}
	if p.pend == pendFrame {
		if name := funcName(line); name != nil {
			p.errorf("function %s without file line; frame dropped", p.pendFunc)
			p.startFrame(name)
			return true
		}
	}
	p.errorf("line between a function and its file line ignored")
	return true
}

// spacedFileLine returns the file part of a frame's file line that is not
// indented with the runtime's tab, or nil. Dumps pasted into issues, mails
// and editors often have the tab turned into spaces ("    /src/x.go:12 +0x1d")
// or dropped ("c:/go/src/pkg/os/file.go:33 +0x57"). To tell such a line from
// other output, the file must end in a source extension (or be "??" or
// "<autogenerated>") followed by ":N" and the end of the line, " +0x…",
// " fp=…" or " pc=…".
func spacedFileLine(line []byte) []byte {
	b := bytes.TrimLeft(line, " \t")
	end := len(b)
	for _, sep := range [...][]byte{[]byte(" +0x"), []byte(" fp="), []byte(" pc=")} {
		if i := bytes.Index(b, sep); i >= 0 && i < end {
			end = i
		}
	}
	f := b[:end]
	colon := bytes.LastIndexByte(f, ':')
	if colon <= 0 || colon == len(f)-1 {
		return nil
	}
	for _, c := range f[colon+1:] {
		if !isDigit(c) {
			return nil
		}
	}
	file := f[:colon]
	if bytes.Equal(file, []byte("??")) || bytes.Equal(file, []byte("<autogenerated>")) {
		return b
	}
	for _, ext := range [...]string{".go", ".s", ".c", ".goc", ".h", ".cc", ".cpp"} {
		if bytes.HasSuffix(file, []byte(ext)) {
			return b
		}
	}
	return nil
}

// isBareFunc reports whether line is a function name as gccgo prints a
// frame's function line: a qualified name ("main.main..func1",
// "sync.Mutex.Lock") without arguments, spaces, parentheses or colons.
func isBareFunc(line []byte) bool {
	if len(line) < 3 || line[0] == '.' || line[len(line)-1] == '.' || bytes.IndexByte(line, '.') < 0 {
		return false
	}
	for _, c := range line {
		if c <= ' ' || c == '(' || c == ')' || c == ':' || c == '"' || c == '=' || c == ',' || c >= 0x7f {
			return false
		}
	}
	return true
}

// cutFuncName returns the function name of a frame line that was cut short
// after its argument list opened ("net.(*netFD).Read(0xc0001, {0xc0002?, "),
// or nil. Receivers in parentheses ("(*T)") are part of the name.
func cutFuncName(line []byte) []byte {
	tok := line
	if i := bytes.IndexByte(tok, ' '); i >= 0 {
		tok = tok[:i]
	}
	for i := 1; i < len(tok); i++ {
		if tok[i] != '(' {
			continue
		}
		if i+1 < len(tok) && tok[i+1] == '*' {
			continue
		}
		name := tok[:i]
		if bytes.IndexByte(name, '.') < 0 || name[0] == '\t' {
			return nil
		}
		return name
	}
	return nil
}

// funcName returns the function name of a frame line "pkg.f(args)", or nil
// when line is not one. The argument list is the last top-level parenthesis
// group; names like "pkg.(*T).m" and "pkg.F[...]" contain brackets.
func funcName(line []byte) []byte {
	n := len(line)
	if n < 3 || line[n-1] != ')' {
		return nil
	}
	depth := 0
	for i := n - 1; i >= 0; i-- {
		switch line[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				name := line[:i]
				if len(name) == 0 || bytes.IndexByte(name, ' ') >= 0 {
					return nil
				}
				return name
			}
		}
	}
	return nil
}

func (p *parser) startFrame(name []byte) {
	if name == nil {
		return
	}
	p.broken = nil
	p.pendFunc, p.pendID = p.in.bytes(name)
	p.pend = pendFrame
}

func (p *parser) createdBy(rest []byte) {
	name := rest
	if i := bytes.Index(rest, inGoroutine); i >= 0 {
		name = rest[:i]
		if !p.anc {
			id, ok := atoi(rest[i+len(inGoroutine):])
			if !ok {
				p.malformed("bad parent goroutine id")
				return
			}
			p.g.ParentID = id
		}
	}
	if len(name) == 0 {
		p.malformed("created by without function")
		return
	}
	if p.anc {
		p.pend = pendAncCreated
		return
	}
	p.pendFunc, p.pendID = p.in.bytes(name)
	p.pend = pendCreated
}

// fileLine parses "/path/file.go:12 +0x1d" (optionally followed by
// " fp=… sp=… pc=…", or a cgo "file:line pc=0x…" or bare "pc=0x…").
func (p *parser) fileLine(b []byte) {
	colon := bytes.LastIndexByte(b, ':')
	var file []byte
	line := int64(0)
	if colon >= 0 {
		j := colon + 1
		k := j
		for k < len(b) && isDigit(b[k]) {
			k++
		}
		if k == j || (k < len(b) && b[k] != ' ') {
			if f, n, ok := cutFileLine(b); ok {
				// Other output was written into the middle of the line.
				p.errorf("file line cut by other output; %s:%d kept", f, n)
				file, line = f, n
			} else if !bytes.HasPrefix(b, []byte("pc=")) {
				p.malformed("malformed file line")
				return
			}
		} else {
			n, ok := atoi(b[j:k])
			if !ok {
				p.malformed("bad line number")
				return
			}
			line = n
			file = b[:colon]
		}
	} else if !bytes.HasPrefix(b, []byte("pc=")) {
		p.malformed("malformed file line")
		return
	}
	if line > math.MaxInt32 {
		line = math.MaxInt32
	}
	pend := p.pend
	p.pend = pendNone
	switch pend {
	case pendFrame:
		p.addFile(file, int(line))
	case pendCreated:
		f, _ := p.in.bytes(file)
		p.g.CreatedBy = Frame{Func: p.pendFunc, File: f, Line: int(line)}
	}
}

// cutFileLine finds "file.go:N" (or an assembly "file.s:N") at the start
// of a file line that other output was written into, as in
// "/src/app/main.go:132sidecar: 06:23:52 health check ok".
func cutFileLine(b []byte) ([]byte, int64, bool) {
	for _, ext := range [...][]byte{[]byte(".go:"), []byte(".s:")} {
		i := bytes.Index(b, ext)
		if i <= 0 {
			continue
		}
		j := i + len(ext)
		k := j
		for k < len(b) && isDigit(b[k]) {
			k++
		}
		if n, ok := atoi(b[j:k]); ok {
			return b[:j-1], n, true
		}
	}
	return nil, 0, false
}

func (p *parser) addFile(file []byte, line int) {
	f, fid := p.in.bytes(file)
	p.addFrameID(f, fid, line)
}

func (p *parser) addFrame(file string, line int) {
	p.addFrameID(file, p.in.id(file), line)
	p.pend = pendNone
}

func (p *parser) addFrameID(file string, fid uint32, line int) {
	fr := Frame{Func: p.pendFunc, File: file, Line: line}
	if p.anc {
		if len(p.ancFrames) < maxFrames {
			p.ancFrames = append(p.ancFrames, fr)
			p.ancKey = appendFrameKey(p.ancKey, p.pendID, fid, line)
		}
		return
	}
	if len(p.frames) < maxFrames {
		p.frames = append(p.frames, fr)
		p.key = appendFrameKey(p.key, p.pendID, fid, line)
	}
}

// outside handles a line between goroutines: crash preambles are noted,
// everything else is noise.
func (p *parser) outside(line []byte) {
	// A terminal echoes the Ctrl-\ that sent SIGQUIT in front of the
	// runtime's first line: "^\SIGQUIT: quit".
	line = bytes.TrimPrefix(line, []byte(`^\`))
	var reason []byte
	switch {
	case bytes.HasPrefix(line, prefixPanic):
		reason = line[len(prefixPanic):]
	case bytes.HasPrefix(line, prefixFatal):
		reason = line[len(prefixFatal):]
	case bytes.HasPrefix(line, prefixSignal):
		p.res.crash = true
		return
	case isSignalLine(line):
		reason = line
	default:
		return
	}
	p.res.crash = true
	if p.res.reason == "" && len(reason) > 0 {
		p.res.reason = string(reason)
	}
}

// isSignalLine matches "SIGQUIT: quit" and the like.
func isSignalLine(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("SIG")) {
		return false
	}
	i := bytes.IndexByte(line, ':')
	if i < 4 || i+1 >= len(line) || line[i+1] != ' ' {
		return false
	}
	for _, c := range line[3:i] {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// header parses "goroutine 18 [chan receive, 12 minutes, locked to thread]:"
// and the GOTRACEBACK=system form "goroutine 1 gp=0x… m=0 mp=0x… [running]:".
func (p *parser) header(line []byte) {
	p.res.headers++
	p.inBlock = true
	p.g = Goroutine{Count: 1, Line: p.lineNo}
	rest := line[len(prefixGoroutine):]
	i := 0
	for i < len(rest) && isDigit(rest[i]) {
		i++
	}
	id, ok := atoi(rest[:i])
	if !ok {
		p.malformed("bad goroutine id")
		return
	}
	p.g.ID = id
	rest = rest[i:]
	open := bytes.IndexByte(rest, '[')
	end, labels, ok := headerEnd(rest, open)
	if !ok {
		p.malformed("malformed goroutine header")
		return
	}
	if labels != nil {
		p.g.Labels = p.in.labelSet(labels, parseLabels)
	}
	if open > 0 {
		if i := bytes.Index(rest[:open], []byte(" gp=0x")); i >= 0 {
			v := rest[i+6 : open]
			if sp := bytes.IndexByte(v, ' '); sp >= 0 {
				v = v[:sp]
			}
			if n, err := strconv.ParseUint(string(v), 16, 64); err == nil {
				p.g.gp = n
			}
		}
		if m := bytes.Index(rest[:open], []byte(" m=")); m >= 0 {
			v := rest[m+3 : open]
			if sp := bytes.IndexByte(v, ' '); sp >= 0 {
				v = v[:sp]
			}
			if n, ok := atoi(v); ok {
				p.g.M, p.g.HasM = n, true
			}
		}
	}
	p.status(rest[open+1 : end])
}

// headerEnd finds the end of the bracketed status in rest, the part of a
// goroutine header after its id, whose '[' is at open (-1 when missing). It
// returns the index of the closing ']' and, for Go 1.27's label set printed
// after the bracket (`[chan send] {handler: checkout, "sku id": "a\"b"}:`),
// the set's text from '{' to '}'. Go 1.26 prints labels inside the bracket
// (" labels:{…}]:"); they stay in the status for status to read. Quoted
// keys and values may hold ']', '{', '}', ',' and ':'.
func headerEnd(rest []byte, open int) (end int, labels []byte, ok bool) {
	if open < 0 {
		return 0, nil, false
	}
	body := rest[open+1:]
	closing := bytes.IndexByte(body, ']')
	if l := bytes.Index(body, labelsStart); l >= 0 && (closing < 0 || l < closing) {
		if !bytes.HasSuffix(rest, []byte("]:")) || len(rest)-2 < open+1 {
			return 0, nil, false
		}
		return len(rest) - 2, nil, true
	}
	if closing < 0 {
		return 0, nil, false
	}
	end = open + 1 + closing
	after := rest[end+1:]
	switch {
	case len(after) == 1 && after[0] == ':':
		return end, nil, true
	case len(after) >= 4 && after[0] == ' ' && after[1] == '{' && after[len(after)-2] == '}' && after[len(after)-1] == ':':
		return end, after[1 : len(after)-1], true
	}
	return 0, nil, false
}

// headerLineEnds reports whether a line holding a goroutine header from
// prefix on ends the way a header does: "]:" or, with Go 1.27 labels, "}:".
func headerLineEnds(line []byte) bool {
	return bytes.HasSuffix(line, []byte("]:")) || bytes.HasSuffix(line, []byte("}:"))
}

var (
	suffixLeaked  = []byte(" (leaked)")
	suffixScan    = []byte(" (scan)")
	suffixDurable = []byte(" (durable)")
	labelsStart   = []byte(" labels:{")
)

// status parses the bracketed part of a header.
func (p *parser) status(b []byte) {
	if i := bytes.Index(b, labelsStart); i >= 0 {
		raw := b[i+len(labelsStart)-1:]
		b = b[:i]
		p.g.Labels = p.in.labelSet(raw, parseLabels)
	}
	st := b
	var tail []byte
	if i := bytes.Index(b, []byte(", ")); i >= 0 {
		st, tail = b[:i], b[i+2:]
	}
	for {
		switch {
		case bytes.HasSuffix(st, suffixDurable):
			p.g.Flags |= FlagDurable
			st = st[:len(st)-len(suffixDurable)]
			continue
		case bytes.HasSuffix(st, suffixScan):
			p.g.Flags |= FlagScan
			st = st[:len(st)-len(suffixScan)]
			continue
		case bytes.HasSuffix(st, suffixLeaked):
			p.g.Flags |= FlagLeaked
			st = st[:len(st)-len(suffixLeaked)]
			continue
		}
		break
	}
	p.g.State, _ = p.in.bytes(st)
	for len(tail) > 0 {
		part := tail
		if i := bytes.Index(tail, []byte(", ")); i >= 0 {
			part, tail = tail[:i], tail[i+2:]
		} else {
			tail = nil
		}
		switch {
		case bytes.HasSuffix(part, []byte(" minutes")):
			n, ok := atoi(part[:len(part)-len(" minutes")])
			if !ok {
				p.malformed("bad wait time in goroutine header")
				return
			}
			if n > int64(math.MaxInt64/time.Minute) {
				n = int64(math.MaxInt64 / time.Minute)
			}
			p.g.Wait = time.Duration(n) * time.Minute
		case bytes.Equal(part, []byte("locked to thread")):
			p.g.Flags |= FlagLockedToThread
		case bytes.HasPrefix(part, []byte("synctest bubble ")):
			n, ok := atoi(part[len("synctest bubble "):])
			if !ok {
				p.malformed("bad synctest bubble id")
				return
			}
			p.g.Bubble = n
		default:
			// A field from a newer Go: keep the goroutine, report the field.
			p.errorf("unknown goroutine header field %q ignored", part)
		}
	}
}

// parseLabels parses a label set as the runtime prints it into labels
// sorted by key:
//
//	{handler: checkout, "sku id": "a\"b", empty: }  Go 1.27 traceback: bare when
//	                                                made of [A-Za-z0-9./_], else quoted
//	{"k": "v", "k2": "v2"}                          Go 1.26 traceback (tracebacklabels=1)
//	{"k":"v", "k2":"v2"}                            pprof debug=1
//
// Quoted strings use Go escapes (\", \\, \n, \t, \xff, \u00e9, \U0001f6d2) and
// may hold commas, colons and braces; bare ones may be empty. Malformed
// input yields the labels read so far.
func parseLabels(b []byte) []Label {
	var out []Label
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		b = b[1:]
	}
	for {
		b = bytes.TrimLeft(b, " ")
		if len(b) == 0 || b[0] == '}' {
			break
		}
		key, rest, ok := labelToken(b, ":")
		if !ok || len(rest) == 0 || rest[0] != ':' {
			break
		}
		val, rest, ok := labelToken(bytes.TrimLeft(rest[1:], " "), ",}")
		if !ok {
			break
		}
		out = append(out, Label{Key: key, Value: val})
		if len(rest) == 0 || rest[0] != ',' {
			break
		}
		b = rest[1:]
	}
	slices.SortStableFunc(out, func(a, b Label) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return out
}

// labelToken reads a quoted string or a bare run of bytes up to one of
// stops from the start of b and returns it with the rest of b.
func labelToken(b []byte, stops string) (string, []byte, bool) {
	if len(b) > 0 && b[0] == '"' {
		j := 1
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(b) {
			return "", nil, false
		}
		s, err := strconv.Unquote(string(b[:j+1]))
		if err != nil {
			s = string(b[1:j])
		}
		return s, bytes.TrimLeft(b[j+1:], " "), true
	}
	i := bytes.IndexAny(b, stops)
	if i < 0 {
		return "", nil, false
	}
	return string(bytes.TrimRight(b[:i], " ")), b[i:], true
}

// atoi parses a non-negative decimal number up to maxCount.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 13 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n > maxCount {
		return 0, false
	}
	return n, true
}

// debug1Line handles one line of pprof debug=1 text:
//
//	goroutine profile: total 26
//	3 @ 0x48440e 0x416eac …
//	# labels: {"k":"v"}
//	#	0x4d7e90	runtime/pprof.writeRuntimeProfile+0xb0	/usr/local/go/src/runtime/pprof/pprof.go:851
func (p *parser) debug1Line(line []byte) {
	if len(line) == 0 {
		p.endBlock()
		return
	}
	if isDigit(line[0]) {
		p.endBlock()
		at := bytes.Index(line, []byte(" @"))
		if at < 0 {
			p.errorf("malformed debug=1 record")
			p.res.skipped++
			p.skipping = true
			return
		}
		n, ok := atoi(line[:at])
		if !ok || n == 0 {
			p.errorf("bad debug=1 record count")
			p.res.skipped++
			p.skipping = true
			return
		}
		p.res.headers++
		p.inBlock = true
		p.g = Goroutine{Count: int(n), Line: p.lineNo}
		return
	}
	if p.skipping {
		return
	}
	if !p.inBlock {
		if bytes.Contains(line, []byte(" profile: total ")) {
			return
		}
		return // noise
	}
	f := line[1:]
	if line[0] != '#' {
		// Pasted into Markdown, "#" starts a heading and is often dropped:
		// "        0x822124\tnet/http.(*persistConn).writeLoop+0x164\t…".
		t := bytes.TrimLeft(line, " \t")
		if !bytes.HasPrefix(t, []byte("0x")) {
			p.malformed("unexpected line in debug=1 record")
			return
		}
		f = t
	}
	if bytes.HasPrefix(line, []byte("# labels: ")) {
		p.g.Labels = p.in.labelSet(bytes.TrimSpace(line[len("# labels: "):]), parseLabels)
		return
	}
	// "#\t0xPC\tfunc+0xOFF\tfile:line" with tabwriter padding (runs of tabs,
	// or of spaces where the tabs were expanded). The file may hold spaces.
	var fields [3][]byte
	nf := 0
	for len(f) > 0 && nf < 3 {
		for len(f) > 0 && (f[0] == '\t' || f[0] == ' ') {
			f = f[1:]
		}
		if len(f) == 0 {
			break
		}
		end := bytes.IndexAny(f, " \t")
		if nf == 2 || end < 0 {
			end = len(f)
		}
		fields[nf] = f[:end]
		nf++
		f = f[end:]
	}
	switch nf {
	case 1:
		// Unsymbolized PC: keep it as the function name.
		p.startFrame(fields[0])
		p.addFrame("", 0)
	case 3:
		name := fields[1]
		if k := bytes.LastIndex(name, []byte("+0x")); k > 0 {
			name = name[:k]
		}
		p.startFrame(name)
		p.fileLine(bytes.TrimRight(fields[2], " \t"))
	default:
		p.malformed("malformed debug=1 frame")
	}
}
