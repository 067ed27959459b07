package stack

import (
	"os"
	"testing"
)

// TestSameSigMatchesText checks, on every pair of distinct stacks of the
// testdata dumps, that the hash-and-compare path Group takes agrees with the
// signature text at every similarity level.
func TestSameSigMatchesText(t *testing.T) {
	var stacks []*Stack
	seen := map[*Stack]bool{}
	for _, file := range testdataDumps(t) {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := Parse(f, ParseOptions{Workers: 1})
		f.Close()
		for _, g := range s.Goroutines {
			if !seen[g.Stack] {
				seen[g.Stack] = true
				stacks = append(stacks, g.Stack)
			}
		}
	}
	for _, tt := range []struct {
		name string
		sim  Similarity
		top  int
	}{
		{"exact", SimilarityExact, 5},
		{"func", SimilarityFunc, 5},
		{"top 1", SimilarityTop, 1},
		{"top 3", SimilarityTop, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			texts := make([]string, len(stacks))
			for i, s := range stacks {
				texts[i] = stackSig(s, tt.sim, tt.top)
			}
			equal := 0
			for i, a := range stacks {
				for j, b := range stacks {
					want := texts[i] == texts[j]
					if got := sameSig(a, b, tt.sim, tt.top); got != want {
						t.Fatalf("sameSig(%d, %d) = %v, signature texts equal: %v", i, j, got, want)
					}
					if want && i != j {
						equal++
					}
				}
			}
			if tt.sim == SimilarityTop && equal == 0 {
				t.Error("no two stacks share their top frames: the test compares nothing")
			}
		})
	}
}
