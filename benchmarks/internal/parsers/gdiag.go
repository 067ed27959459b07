package parsers

import (
	"fmt"
	"io"

	"github.com/gdiag/gdiag/stack"
)

// gdiagParsers are gdiag's stack.Parse followed by stack.Group with the
// default options (the work `gdiag analyze` does) on one and two workers,
// and stack.Parse alone on one worker.
func gdiagParsers() []Parser {
	return []Parser{
		{Name: "gdiag-w1", Group: true, Parse: func(r io.Reader) (Result, error) { return parseGdiag(r, 1, true) }},
		{Name: "gdiag-w2", Group: true, Parse: func(r io.Reader) (Result, error) { return parseGdiag(r, 2, true) }},
		{Name: "gdiag-parse-w1", Parse: func(r io.Reader) (Result, error) { return parseGdiag(r, 1, false) }},
	}
}

func parseGdiag(r io.Reader, workers int, group bool) (Result, error) {
	snap, err := stack.Parse(r, stack.ParseOptions{Workers: workers})
	res := Result{Goroutines: snap.Total, Model: snap}
	if err != nil {
		err = fmt.Errorf("parsers: gdiag: %w", err)
	}
	if group {
		bs := stack.Group(snap.Goroutines, stack.GroupOptions{})
		res.Buckets = len(bs)
		res.Model = struct {
			*stack.Snapshot
			Buckets []stack.Bucket
		}{snap, bs}
	}
	return res, err
}
