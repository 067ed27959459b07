package stack

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
	"time"
)

// BenchmarkParseBigMix parses the README's sample dump (3,259 goroutines,
// 8.2 MB, testdata/big_mix.txt.gz) on one worker: the hot path of a plain
// runtime.Stack dump, including the input unwrapping layer, which must cost
// next to nothing on input that needs no unwrapping.
func BenchmarkParseBigMix(b *testing.B) {
	data := bigMix(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(bytes.NewReader(data), ParseOptions{Workers: 1})
		if err != nil || s.Total < 3000 {
			b.Fatalf("%d goroutines, err %v", s.Total, err)
		}
	}
}

// BenchmarkUnwrapShare measures, in the same run, the unwrapping layer
// alone (Unwrap read to the end) and a whole Parse of the same plain dump,
// and reports unwrap-share: the layer's time as a fraction of Parse's. On
// input that needs no unwrapping the layer passes reads through, so the
// share stays near zero whatever the machine's speed.
func BenchmarkUnwrapShare(b *testing.B) {
	data := bigMix(b)
	var unwrap, parse time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := io.Copy(io.Discard, Unwrap(bytes.NewReader(data))); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := Parse(bytes.NewReader(data), ParseOptions{Workers: 1}); err != nil {
			b.Fatal(err)
		}
		unwrap += t1.Sub(t0)
		parse += time.Since(t1)
	}
	b.ReportMetric(float64(unwrap)/float64(parse), "unwrap-share")
}

func bigMix(b *testing.B) []byte {
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
	return data
}
