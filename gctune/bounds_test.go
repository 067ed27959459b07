package gctune

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// repeatReader yields line n times without holding them in memory.
type repeatReader struct {
	line []byte
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) {
		if r.n == 0 {
			if w == 0 {
				return 0, io.EOF
			}
			break
		}
		c := copy(p[w:], r.line[r.off:])
		w += c
		r.off += c
		if r.off == len(r.line) {
			r.off = 0
			r.n--
		}
	}
	return w, nil
}

const sampleLine = "gc 1 @0.011s 2%: 0.010+0.40+0.003 ms clock, 0.080+0.12/0.31/0.15+0.024 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 8 P\n"

// TestHugeLineDoesNotStopParsing: a line over 1 MiB is skipped with an error
// and the cycles after it are still read. Before, bufio.Scanner stopped at
// it and every later cycle was lost.
func TestHugeLineDoesNotStopParsing(t *testing.T) {
	var in bytes.Buffer
	in.WriteString(sampleLine)
	in.WriteString(strings.Repeat("x", 3<<20) + "\n")
	in.WriteString(strings.Replace(sampleLine, "gc 1 @", "gc 2 @", 1))
	cs, err := ParseGCTrace(&in)
	if len(cs) != 2 || cs[1].N != 2 || cs[1].Line != 3 {
		t.Fatalf("got %d cycles (%+v), want 2 with the second on line 3", len(cs), cs)
	}
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "line 2: longer than") {
		t.Fatalf("err = %v", err)
	}
}

// TestMaxCycles: memory is bounded by MaxCycles whatever the input length.
func TestMaxCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("parses MaxCycles+10 lines")
	}
	cs, err := ParseGCTrace(&repeatReader{line: []byte(sampleLine), n: MaxCycles + 10})
	if len(cs) != MaxCycles {
		t.Fatalf("%d cycles, want MaxCycles = %d", len(cs), MaxCycles)
	}
	if !errors.Is(err, ErrTooManyCycles) {
		t.Fatalf("err = %v", err)
	}
}
