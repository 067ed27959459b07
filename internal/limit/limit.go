package limit

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ErrExceeded is wrapped by every error this package returns for input that
// is larger than its limit.
var ErrExceeded = errors.New("input limit exceeded")

// Error says which input exceeded which limit and how to raise it.
type Error struct {
	// What names the input ("heap.pb.gz decompressed").
	What string
	// Limit is the limit in bytes.
	Limit int64
	// Flag is the command-line flag that raises the limit, "" when none.
	Flag string
}

// Error formats the error as "WHAT exceeds N bytes (raise with --flag)".
func (e *Error) Error() string {
	s := e.What + " exceeds " + Size(e.Limit)
	if e.Flag != "" {
		s += ", raise with " + e.Flag
	}
	return s
}

// Unwrap returns ErrExceeded.
func (e *Error) Unwrap() error { return ErrExceeded }

// Size formats n bytes for a message: "268435456 bytes (256 MiB)".
func Size(n int64) string {
	s := strconv.FormatInt(n, 10) + " bytes"
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		s += " (" + strconv.FormatInt(n>>30, 10) + " GiB)"
	case n >= 1<<20 && n%(1<<20) == 0:
		s += " (" + strconv.FormatInt(n>>20, 10) + " MiB)"
	case n >= 1<<10 && n%(1<<10) == 0:
		s += " (" + strconv.FormatInt(n>>10, 10) + " KiB)"
	}
	return s
}

// Reader reads from R and fails with an *Error once more than N bytes have
// been read; the bytes up to the limit are returned before the error. It
// holds no buffer of its own, so a limit costs nothing until bytes arrive.
type Reader struct {
	R    io.Reader
	N    int64  // the limit
	What string // names the input in the error
	Flag string // the flag that raises the limit
	read int64
	err  error
}

// NewReader returns a Reader that allows n bytes of r.
func NewReader(r io.Reader, n int64, what, flag string) *Reader {
	return &Reader{R: r, N: n, What: what, Flag: flag}
}

// Read implements io.Reader.
func (l *Reader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	// Ask for one byte more than allowed so that an input of exactly N
	// bytes is not an error but N+1 is.
	if rem := l.N - l.read + 1; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := l.R.Read(p)
	l.read += int64(n)
	if l.read > l.N {
		n -= int(l.read - l.N)
		l.read = l.N
		l.err = &Error{What: l.What, Limit: l.N, Flag: l.Flag}
		return n, l.err
	}
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// Count returns the number of bytes read so far (at most N).
func (l *Reader) Count() int64 { return l.read }

// ReadAll reads r to the end through a limit of n bytes. The buffer grows
// with the data (never pre-allocated to n), so the cost is what was read.
// A read error (a gzip stream cut short) is returned with what in front.
func ReadAll(r io.Reader, n int64, what, flag string) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(NewReader(r, n, what, flag))
	if err != nil && !errors.Is(err, ErrExceeded) {
		err = fmt.Errorf("%s: %w", what, err)
	}
	return buf.Bytes(), err
}

// IsGzip reports whether b starts with the gzip magic number.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// MaxGzipLayers is how many nested gzip layers Gunzip removes; real inputs
// have one (a .pb.gz profile) or two (a gzipped .pb.gz).
const MaxGzipLayers = 3

// Gunzip removes gzip layers from data (gzip inside gzip included, at most
// MaxGzipLayers) with the total decompressed size of each layer bounded by
// n. Data that is not gzip is returned as is. It reads multi-stream gzip as
// one stream, like gzip(1).
func Gunzip(data []byte, n int64, what, flag string) ([]byte, error) {
	for layer := 0; IsGzip(data); layer++ {
		if layer == MaxGzipLayers {
			return nil, fmt.Errorf("%s: more than %d nested gzip layers", what, MaxGzipLayers)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", what, err)
		}
		out, err := ReadAll(zr, n, what+" decompressed", flag)
		if err != nil {
			if errors.Is(err, ErrExceeded) {
				return nil, err
			}
			return nil, fmt.Errorf("%s: gzip: %w", what, err)
		}
		data = out
	}
	return data, nil
}

// GunzipReader is Gunzip for a stream: it returns a reader of the content
// under every gzip layer (at most MaxGzipLayers), each layer's output limited
// to n bytes, and the first bytes of that content (up to peek) for sniffing.
func GunzipReader(r io.Reader, n int64, peek int, what, flag string) (*bufio.Reader, []byte, error) {
	br := bufio.NewReaderSize(r, max(peek, 16))
	for layer := 0; ; layer++ {
		head, _ := br.Peek(peek)
		if !IsGzip(head) {
			return br, head, nil
		}
		if layer == MaxGzipLayers {
			return nil, nil, fmt.Errorf("%s: more than %d nested gzip layers", what, MaxGzipLayers)
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: gzip: %w", what, err)
		}
		br = bufio.NewReaderSize(NewReader(zr, n, what+" decompressed", flag), max(peek, 16))
	}
}

// AddSat returns a+b for non-negative counts, saturating at math.MaxInt
// instead of wrapping: counts read from untrusted profiles can be anything.
// Negative arguments are treated as 0.
func AddSat(a, b int) int {
	a, b = max(a, 0), max(b, 0)
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// Count converts an untrusted int64 count to an int in [0, math.MaxInt].
func Count(v int64) int {
	if v <= 0 {
		return 0
	}
	if uint64(v) > uint64(math.MaxInt) {
		return math.MaxInt
	}
	return int(v)
}
