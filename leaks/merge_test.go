package leaks_test

import (
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

func bigMix(tb testing.TB) *stack.Snapshot {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "stack", "testdata", "big_mix.txt.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	snap, err := stack.Parse(zr, stack.ParseOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return snap
}

// TestMerge folds the buckets of a real 3,259-goroutine dump (stacks of
// random depth through shared layers, so one go statement leaks through
// many call paths) into one finding per site and verdict, losing no
// goroutine and claiming none with another verdict.
func TestMerge(t *testing.T) {
	fs := leaks.Find(bigMix(t), leaks.Options{})
	ms := leaks.Merge(fs)
	if len(ms) >= len(fs) {
		t.Fatalf("Merge kept %d of %d findings; the dump has many call paths per site", len(ms), len(fs))
	}
	type site struct {
		check, block, create string
		verdict              leaks.Verdict
	}
	key := func(f leaks.Finding) site {
		return site{f.Check, fmt.Sprintf("%s:%d", f.Blocking.File, f.Blocking.Line),
			fmt.Sprintf("%s:%d", f.CreatedBy.File, f.CreatedBy.Line), f.Verdict}
	}
	want := map[site]int{}
	wantIDs := map[site][]int64{}
	wantLabels := map[site]map[string]int{} // label set → goroutines
	labelled := 0
	for _, f := range fs {
		want[key(f)] += f.Count
		wantIDs[key(f)] = append(wantIDs[key(f)], f.IDs...)
		if wantLabels[key(f)] == nil {
			wantLabels[key(f)] = map[string]int{}
		}
		if len(f.LabelSets) == 0 {
			wantLabels[key(f)][fmt.Sprint([]stack.Label(nil))] += f.Count
		}
		for _, s := range f.LabelSets {
			wantLabels[key(f)][fmt.Sprint(s.Labels)] += s.Count
			labelled += s.Count
		}
	}
	if labelled == 0 {
		t.Fatal("no finding has label sets; the dump's goroutines carry labels")
	}
	seen := map[site]bool{}
	for i, m := range ms {
		k := key(m)
		if seen[k] {
			t.Errorf("two merged findings for %+v", k)
		}
		seen[k] = true
		if m.Count != want[k] {
			t.Errorf("%+v: count %d, want %d", k, m.Count, want[k])
		}
		ids := slices.Sorted(slices.Values(wantIDs[k]))
		if got := slices.Sorted(slices.Values(m.IDs)); !slices.Equal(got, ids) {
			t.Errorf("%+v: %d ids, want %d", k, len(got), len(ids))
		}
		if len(m.LabelSets) > 0 {
			got := map[string]int{}
			for j, ls := range m.LabelSets {
				got[fmt.Sprint(ls.Labels)] += ls.Count
				if j > 0 && m.LabelSets[j-1].Count < ls.Count {
					t.Errorf("%+v: label sets not largest first: %v", k, m.LabelSets)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(wantLabels[k]) {
				t.Errorf("%+v: label sets %v, want %v", k, got, wantLabels[k])
			}
		}
		if m.StackBytesMin != int64(m.Count)*2048 {
			t.Errorf("%+v: stack bytes %d for %d goroutines", k, m.StackBytesMin, m.Count)
		}
		if i > 0 && (ms[i-1].Verdict < m.Verdict || ms[i-1].Verdict == m.Verdict && ms[i-1].Severity < m.Severity) {
			t.Errorf("finding %d (%v %v) ordered after a weaker one", i, m.Verdict, m.Severity)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d sites after Merge, %d before", len(seen), len(want))
	}
	// Merging twice changes nothing.
	if again := leaks.Merge(ms); len(again) != len(ms) {
		t.Errorf("Merge(Merge(fs)) has %d findings, Merge(fs) %d", len(again), len(ms))
	}
}

// ExampleMerge shows the findings of a dump folded to one per leak site.
func ExampleMerge() {
	snap, err := stack.Parse(strings.NewReader(`goroutine 7 [chan send, 12 minutes]:
main.produce(...)
	/app/main.go:20 +0x1d
main.viaA(...)
	/app/main.go:30 +0x1d
created by main.start in goroutine 1
	/app/main.go:10 +0x25

goroutine 8 [chan send, 12 minutes]:
main.produce(...)
	/app/main.go:20 +0x1d
main.viaB(...)
	/app/main.go:40 +0x1d
created by main.start in goroutine 1
	/app/main.go:10 +0x25
`), stack.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fs := leaks.Find(snap, leaks.Options{})
	ms := leaks.Merge(fs)
	fmt.Printf("%d buckets, %d site: %d goroutines %s at %s:%d\n",
		len(fs), len(ms), ms[0].Count, ms[0].Verdict, ms[0].Blocking.File, ms[0].Blocking.Line)
	// Output: 2 buckets, 1 site: 2 goroutines likely-leak at /app/main.go:20
}
