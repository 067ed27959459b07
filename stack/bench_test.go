package stack

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// BenchmarkParseBigMix parses the README's sample dump (3,259 goroutines,
// 8.2 MB, testdata/big_mix.txt.gz) on one worker: the hot path of a plain
// runtime.Stack dump, including the input unwrapping layer, which must cost
// next to nothing on input that needs no unwrapping.
func BenchmarkParseBigMix(b *testing.B) {
	f, err := os.Open("testdata/big_mix.txt.gz")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(gz)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(bytes.NewReader(data), ParseOptions{Workers: 1})
		if err != nil || s.Total < 3000 {
			b.Fatalf("%d goroutines, err %v", s.Total, err)
		}
	}
}
