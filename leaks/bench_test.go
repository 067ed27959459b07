package leaks_test

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// BenchmarkFind judges the real 3,259-goroutine dump shipped with package
// stack, alone and with the history of three copies of it.
func BenchmarkFind(b *testing.B) {
	f, err := os.Open(filepath.Join("..", "stack", "testdata", "big_mix.txt.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	snap, err := stack.Parse(zr, stack.ParseOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("single", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			leaks.Find(snap, leaks.Options{})
		}
		b.ReportMetric(float64(snap.Total), "goroutines")
	})
	b.Run("history3", func(b *testing.B) {
		b.ReportAllocs()
		samples := []leaks.Sample{{Snapshot: snap}, {Snapshot: snap}, {Snapshot: snap}}
		for b.Loop() {
			h := leaks.Diff(samples, leaks.DiffOptions{})
			leaks.Find(snap, leaks.Options{History: h})
		}
	})
}
