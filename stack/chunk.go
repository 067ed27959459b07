package stack

import (
	"bytes"
	"errors"
	"io"
)

const (
	// chunkSize is the target size of a chunk handed to a parser.
	chunkSize = 1 << 20
	// maxChunk is the most a chunk grows while looking for a goroutine
	// boundary; past it the chunk is cut at a line end.
	maxChunk = 16 << 20
)

// chunk is a piece of the input that starts at a goroutine (or debug=1
// record) boundary, except after a forced cut.
type chunk struct {
	data []byte
	// line is the 1-based number of the first (possibly partial) line.
	line int
	// last marks the final chunk of the input.
	last bool
	// debug1 says the input is pprof debug=1 text.
	debug1 bool
	// midBlock: the previous chunk was cut inside a goroutine because no
	// boundary was found within maxChunk; skip until the next block.
	midBlock bool
	// midLine: the previous chunk was cut inside a line.
	midLine bool
	// cut: this chunk was cut inside a goroutine (see midBlock).
	cut bool
}

// chunker splits a reader into chunks. next is called from one goroutine;
// recycle from any.
type chunker struct {
	r        io.Reader
	buf      []byte
	eof      bool
	err      error
	line     int
	detected bool
	debug1   bool
	midBlock bool
	midLine  bool
	free     chan []byte
	// rest is the unread tail of the last chunk's buffer (hasRest: even
	// when empty), moved to a buffer by the next call of next.
	rest    []byte
	hasRest bool
}

func newChunker(r io.Reader) *chunker {
	return &chunker{r: r, line: 1, free: make(chan []byte, 8)}
}

func (c *chunker) newBuf(n int) []byte {
	select {
	case b := <-c.free:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, n)
}

// recycle returns a parsed chunk's buffer for reuse.
func (c *chunker) recycle(k *chunk) {
	if cap(k.data) > 4*chunkSize {
		return
	}
	select {
	case c.free <- k.data[:0]:
	default:
	}
}

// fill reads until buf holds at least n bytes or the input ends.
func (c *chunker) fill(n int) {
	for !c.eof && len(c.buf) < n {
		if len(c.buf) == cap(c.buf) {
			// A small first buffer keeps small inputs cheap; once an input
			// outgrows it, go straight to the chunk buffer size.
			nb := c.newBuf(max(2*cap(c.buf), 2*chunkSize))
			c.buf = append(nb, c.buf...)
		}
		k, err := c.r.Read(c.buf[len(c.buf):cap(c.buf)])
		c.buf = c.buf[:len(c.buf)+k]
		if err != nil {
			c.eof = true
			if !errors.Is(err, io.EOF) {
				c.err = err
			}
		}
	}
}

// next returns the next chunk, or nil at the end of the input.
func (c *chunker) next() *chunk {
	switch {
	case c.hasRest:
		// The rest of the previous chunk's buffer moves to the start of a
		// buffer taken now rather than when the chunk was handed out: on
		// one worker that is the same buffer, already parsed and recycled.
		nb := c.newBuf(max(2*chunkSize, len(c.rest)+chunkSize))
		c.buf = append(nb, c.rest...)
		c.rest, c.hasRest = nil, false
	case c.buf == nil:
		// Start small so that parsing a small dump stays cheap; fill
		// grows the buffer to chunk size once the input is larger.
		c.buf = c.newBuf(64 << 10)
	}
	c.fill(chunkSize)
	if len(c.buf) == 0 {
		return nil
	}
	if !c.detected {
		c.detected = true
		c.debug1 = isDebug1(c.buf)
	}
	for {
		if c.eof {
			return c.emit(len(c.buf), true, false)
		}
		if cut := c.boundary(); cut > 0 {
			return c.emit(cut, false, false)
		}
		if len(c.buf) >= maxChunk {
			cut := bytes.LastIndexByte(c.buf, '\n') + 1
			if cut == 0 {
				cut = len(c.buf)
			}
			return c.emit(cut, false, true)
		}
		c.fill(len(c.buf) + chunkSize)
	}
}

// emit hands out buf[:n] and keeps the rest for the next chunk.
func (c *chunker) emit(n int, last, forced bool) *chunk {
	k := &chunk{data: c.buf[:n], line: c.line, last: last, debug1: c.debug1,
		midBlock: c.midBlock, midLine: c.midLine, cut: forced}
	c.line += bytes.Count(k.data, nl)
	c.midBlock = forced
	c.midLine = forced && n > 0 && c.buf[n-1] != '\n'
	rest := c.buf[n:]
	if last {
		c.buf = c.buf[:0:0]
		return k
	}
	// The chunk's buffer is only read until it is recycled, so the rest
	// stays intact until next copies it.
	c.rest, c.hasRest, c.buf = rest, true, nil
	return k
}

var (
	nl          = []byte{'\n'}
	goroutineNL = []byte("\ngoroutine ")
)

// boundary returns the offset of the last line start in buf (after a
// complete earlier part) at which a new goroutine or debug=1 record begins,
// or 0 when there is none.
func (c *chunker) boundary() int {
	b := c.buf
	if c.debug1 {
		for {
			i := bytes.LastIndexByte(b, '\n')
			if i <= 0 {
				return 0
			}
			if i+1 < len(c.buf) && isDigit(c.buf[i+1]) {
				return i + 1
			}
			b = b[:i]
		}
	}
	for {
		i := bytes.LastIndex(b, goroutineNL)
		if i <= 0 {
			return 0
		}
		if j := i + len(goroutineNL); j < len(c.buf) && isDigit(c.buf[j]) {
			return i + 1
		}
		b = b[:i]
	}
}

// isDigit reports whether b is an ASCII digit.
func isDigit(b byte) bool { return b-'0' < 10 }

// isDebug1 reports whether the first non-blank line is a pprof debug=1
// header ("goroutine profile: total N", "goroutineleak profile: total N").
func isDebug1(b []byte) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		sp := bytes.IndexByte(line, ' ')
		return sp > 0 && bytes.HasPrefix(line[sp:], []byte(" profile: total "))
	}
	return false
}
