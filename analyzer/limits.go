package analyzer

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/internal/limit"
	"github.com/gdiag/gdiag/stack"
)

// parseDump parses a goroutine text dump read through the input byte limit
// and the goroutine limit. Past either it returns no snapshot and an error
// wrapping limit.ErrExceeded: a dump cut at an arbitrary goroutine would give
// counts that are not true.
func parseDump(r io.Reader, name string, opts LoadOptions) (*stack.Snapshot, error) {
	gc := &goroutineCounter{r: limit.NewReader(r, opts.maxInput(), name, FlagMaxInput), max: opts.maxGoroutines()}
	var src io.Reader = gc
	if u, ok := r.(*stack.Unwrapped); ok {
		src = u.Via(gc)
	}
	snap, err := stack.Parse(src, stack.ParseOptions{Workers: opts.Workers})
	switch {
	case gc.over:
		return nil, fmt.Errorf("%s: more than %d goroutines, raise with %s: %w", name, gc.max, FlagMaxGoroutines, limit.ErrExceeded)
	case gc.err != nil && errors.Is(gc.err, limit.ErrExceeded):
		return nil, gc.err
	}
	return snap, err
}

// goroutineCounter counts the lines that start with "goroutine " (one per
// goroutine in a text dump) as they stream past and fails the read once
// there are more than max. It costs one scan of the bytes, no buffer.
type goroutineCounter struct {
	r    io.Reader
	max  int
	n    int
	pos  int // bytes of "goroutine " matched at the current line start; -1 mid-line
	over bool
	err  error
}

var goroutinePrefix = []byte("goroutine ")

// errTooManyGoroutines stops the parser; parseDump reports the limit.
var errTooManyGoroutines = errors.New("too many goroutines")

func (g *goroutineCounter) Read(p []byte) (int, error) {
	if g.over {
		return 0, errTooManyGoroutines
	}
	n, err := g.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		if g.pos < 0 {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				break
			}
			b, g.pos = b[i+1:], 0
			continue
		}
		c := b[0]
		b = b[1:]
		switch {
		case c == '\n':
			g.pos = 0
		case c == goroutinePrefix[g.pos]:
			g.pos++
			if g.pos == len(goroutinePrefix) {
				g.pos = -1
				g.n++
				if g.n > g.max {
					g.over = true
					return n, errTooManyGoroutines
				}
			}
		default:
			g.pos = -1
		}
	}
	if err != nil && err != io.EOF {
		g.err = err
	}
	return n, err
}

// parseProfile removes every gzip layer of a pprof profile through the
// profile limit (google/pprof decompresses without one) and parses the
// result.
func parseProfile(data []byte, name string, opts LoadOptions) (*profile.Profile, error) {
	raw, err := limit.Gunzip(data, opts.maxProfile(), name, FlagMaxProfile)
	if err != nil {
		return nil, err
	}
	return profile.ParseData(raw)
}
