package analyzer_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	pprofile "github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/analyzer"
)

// TestFromProfileUnsymbolized converts the real goroutine profile in
// testdata with its symbols removed (as a profile of a stripped binary, or
// one written with -symbolize=none, arrives): every goroutine keeps its
// stack, one "0x…" frame per location, instead of an empty one.
func TestFromProfileUnsymbolized(t *testing.T) {
	data, err := os.ReadFile("testdata/goroutine.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	for _, strip := range []bool{false, true} {
		p, err := pprofile.Parse(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if strip {
			for _, loc := range p.Location {
				loc.Line = nil
			}
		}
		snap := analyzer.FromProfile(p)
		if len(snap.Goroutines) != len(p.Sample) || snap.Total == 0 {
			t.Fatalf("strip=%v: %d records of %d samples, total %d", strip, len(snap.Goroutines), len(p.Sample), snap.Total)
		}
		for i, g := range snap.Goroutines {
			if len(g.Stack.Frames) != len(p.Sample[i].Location) && strip {
				t.Errorf("strip=%v: record %d has %d frames for %d locations", strip, i, len(g.Stack.Frames), len(p.Sample[i].Location))
			}
			if len(g.Stack.Frames) == 0 {
				t.Errorf("strip=%v: record %d has an empty stack", strip, i)
			}
			for _, f := range g.Stack.Frames {
				if strip != strings.HasPrefix(f.Func, "0x") {
					t.Errorf("strip=%v: frame %q", strip, f.Func)
				}
			}
		}
	}
}
