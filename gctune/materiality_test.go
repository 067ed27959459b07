package gctune_test

import (
	"os"
	"testing"

	"github.com/gdiag/gdiag/gctune"
)

// TestGOGCAdviceNeedsPacedMaterialGC: GOGC advice needs GC that GOGC paces
// and that costs something. The same real gctrace log gets the advice as
// recorded; with every cycle forced (a collector's runtime.GC and leak
// profile on an idle service) or with GC under MinGCCores, none.
func TestGOGCAdviceNeedsPacedMaterialGC(t *testing.T) {
	f, err := os.Open("testdata/gogc50.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cycles, err := gctune.ParseGCTrace(f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(r *gctune.Result)
		want   bool
	}{
		{"as recorded", func(*gctune.Result) {}, true},
		{"every cycle forced", func(r *gctune.Result) { r.Forced = r.Cycles }, false},
		{"GC under MinGCCores", func(r *gctune.Result) { r.GCCores = gctune.MinGCCores / 2 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := gctune.Analyze(gctune.Input{Cycles: cycles}, gctune.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tt.change(r)
			got := false
			for _, rec := range gctune.Recommend(r, gctune.Objective{}) {
				got = got || rec.Finding.Check == gctune.CheckGOGCTooLow
			}
			if got != tt.want {
				t.Errorf("gogc-too-low reported %v, want %v (GC %.3f cores, %d of %d cycles forced)", got, tt.want, r.GCCores, r.Forced, r.Cycles)
			}
		})
	}
}
