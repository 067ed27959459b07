package parsers_test

import (
	"bytes"
	"fmt"
	"runtime"

	"github.com/gdiag/gdiag/benchmarks/internal/parsers"
)

// Every parser reads the same dump, here this process's own.
func Example() {
	done := make(chan struct{})
	defer close(done)
	for range 10 {
		go func() { <-done }()
	}
	buf := make([]byte, 1<<20)
	dump := buf[:runtime.Stack(buf, true)]

	counts := map[int]bool{}
	for _, p := range parsers.All() {
		res, err := p.Parse(bytes.NewReader(dump))
		if err != nil {
			fmt.Println(p.Name, err)
			continue
		}
		counts[res.Goroutines] = true
	}
	fmt.Println("parsers:", len(parsers.All()), "agree:", len(counts) == 1)
	// Output: parsers: 6 agree: true
}

func ExampleLookup() {
	p, ok := parsers.Lookup("panicparse-bucket")
	fmt.Println(ok, p.Group, p.Quadratic)
	// Output: true true true
}
