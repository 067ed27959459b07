package parsers

import (
	"errors"
	"fmt"
	"io"

	"github.com/DataDog/gostackparse"
	ppstack "github.com/maruel/panicparse/v2/stack"
)

// Result is what a Parser found.
type Result struct {
	// Goroutines is the number of goroutines parsed.
	Goroutines int
	// Buckets is the number of groups for parsers that group, else 0.
	Buckets int
	// Model is the parser's own result (goroutines, snapshot, buckets), kept
	// so that callers can measure how much memory it retains.
	Model any
}

// Parser is one way of parsing a dump. Parse is safe for concurrent use.
type Parser struct {
	// Name is the benchmark sub-test name ("gdiag-1", "gostackparse", …).
	Name string
	// Group reports whether Parse also groups goroutines into buckets.
	Group bool
	// Quadratic reports whether Parse takes time quadratic in the number of
	// goroutines (panicparse's bucketing).
	Quadratic bool
	// Parse reads the dump from r.
	Parse func(r io.Reader) (Result, error)
}

// All returns every parser, gdiag's first.
func All() []Parser {
	return append(gdiagParsers(), peerParsers()...)
}

// Lookup returns the parser with the given name.
func Lookup(name string) (Parser, bool) {
	for _, p := range All() {
		if p.Name == name {
			return p, true
		}
	}
	return Parser{}, false
}

func peerParsers() []Parser {
	return []Parser{
		{Name: "gostackparse", Parse: parseGostackparse},
		{Name: "panicparse", Parse: parsePanicparse},
		{Name: "panicparse-bucket", Group: true, Quadratic: true, Parse: bucketPanicparse},
	}
}

// parseGostackparse runs gostackparse.Parse, which streams its input.
func parseGostackparse(r io.Reader) (Result, error) {
	gs, errs := gostackparse.Parse(r)
	res := Result{Goroutines: len(gs), Model: gs}
	if len(errs) > 0 {
		return res, fmt.Errorf("parsers: gostackparse: %d errors, first: %w", len(errs), errs[0])
	}
	return res, nil
}

// panicparseOpts turns off everything but parsing: no argument naming
// (quadratic), no guessing of local paths and no reading of source files.
func panicparseOpts() *ppstack.Opts {
	return &ppstack.Opts{NameArguments: false, GuessPaths: false, AnalyzeSources: false}
}

func scanPanicparse(r io.Reader) (*ppstack.Snapshot, error) {
	snap, _, err := ppstack.ScanSnapshot(r, io.Discard, panicparseOpts())
	if err != nil && !errors.Is(err, io.EOF) {
		return snap, fmt.Errorf("parsers: panicparse: %w", err)
	}
	if snap == nil {
		return nil, errors.New("parsers: panicparse: no goroutines found")
	}
	return snap, nil
}

// parsePanicparse runs panicparse's ScanSnapshot with every option that is
// not parsing turned off.
func parsePanicparse(r io.Reader) (Result, error) {
	snap, err := scanPanicparse(r)
	if snap == nil {
		return Result{}, err
	}
	return Result{Goroutines: len(snap.Goroutines), Model: snap}, err
}

// bucketPanicparse parses and then aggregates with AnyPointer similarity,
// what panicparse's own tool does by default.
func bucketPanicparse(r io.Reader) (Result, error) {
	snap, err := scanPanicparse(r)
	if snap == nil {
		return Result{}, err
	}
	agg := snap.Aggregate(ppstack.AnyPointer)
	return Result{Goroutines: len(snap.Goroutines), Buckets: len(agg.Buckets), Model: agg}, err
}
