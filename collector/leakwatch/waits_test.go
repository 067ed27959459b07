package leakwatch

import (
	"compress/gzip"
	"os"
	"testing"
	"time"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// asProfile aggregates a text dump the way the goroutine profile records it:
// one record per stack with the runtime frames the text hides on top, no
// wait times, no ids, no creators.
func asProfile(text *stack.Snapshot) *stack.Snapshot {
	in := stack.NewInterner()
	idx := map[string]int{}
	out := &stack.Snapshot{Format: stack.FormatProto}
	for _, g := range text.Goroutines {
		k := leaks.StackKey(g.Stack)
		if i, ok := idx[k]; ok {
			out.Goroutines[i].Count++
			out.Total++
			continue
		}
		frames := append([]stack.Frame{{Func: "runtime.gopark", File: "/usr/local/go/src/runtime/proc.go", Line: 435}}, g.Stack.Frames...)
		frames = append(frames, stack.Frame{Func: "runtime.goexit", File: "/usr/local/go/src/runtime/asm_amd64.s", Line: 1700})
		p := stack.Goroutine{Count: 1, Stack: in.Stack(frames, 0), Op: g.Op, Labels: g.Labels, M: -1}
		idx[k] = len(out.Goroutines)
		out.Goroutines = append(out.Goroutines, p)
		out.Total++
	}
	return out
}

// A real 3,259-goroutine dump (stack/testdata/big_mix.txt.gz, goroutines
// blocked for over a minute): its wait times reach the profile's records of
// the same stacks, the shortest wait of each stack, and leaks.Find weighs
// them as it weighs a text dump's.
func TestCarryWaitsRealDump(t *testing.T) {
	f, err := os.Open("../../stack/testdata/big_mix.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	text, err := stack.Parse(zr, stack.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prof := asProfile(text)
	minWait := map[string]time.Duration{}
	for _, g := range text.Goroutines {
		k := leaks.StackKey(g.Stack)
		if v, ok := minWait[k]; !ok || g.Wait < v {
			minWait[k] = g.Wait
		}
	}
	carryWaits(prof, text)
	waited := 0
	for _, g := range prof.Goroutines {
		if want := minWait[leaks.StackKey(g.Stack)]; g.Wait != want {
			t.Fatalf("record %v: wait %v, want %v", g.Stack.Frames[1], g.Wait, want)
		}
		if g.Wait > 0 {
			waited += g.Count
		}
	}
	if waited < 1000 {
		t.Fatalf("only %d goroutines got a wait; the dump has 1,895 blocked for a minute", waited)
	}
	withWait := 0
	for _, fd := range leaks.Find(prof, leaks.Options{LongWait: time.Minute}) {
		for _, e := range fd.Evidence {
			if e.Kind == leaks.EvidenceWait && e.Weight == 2 {
				withWait += fd.Count
			}
		}
	}
	if withWait < 1000 {
		t.Errorf("wait evidence on %d goroutines, want ≥ 1000", withWait)
	}
}

// The goroutineleak profile's cost grows faster than the goroutines: the
// estimate keeps a 100k-goroutine process from paying 26 s of CPU at the
// first profile, and scales a measured cost by the square of the growth.
func TestLeakEstimate(t *testing.T) {
	budget := time.Duration(DefaultBudget * float64(DefaultLeakInterval)) // 3 s
	for _, tt := range []struct {
		last       time.Duration
		lastN, n   int
		overBudget bool
	}{
		{0, 0, 1_000, false},
		{0, 0, 10_000, false},
		{0, 0, 100_000, true},
		{91 * time.Millisecond, 10_000, 10_000, false},
		{91 * time.Millisecond, 10_000, 100_000, true},
		{9 * time.Millisecond, 10, 1_000, false},
	} {
		if got := leakEstimate(tt.last, tt.lastN, tt.n) > budget; got != tt.overBudget {
			t.Errorf("leakEstimate(%v, %d, %d) = %v: over the 3 s budget %v, want %v", tt.last, tt.lastN, tt.n, leakEstimate(tt.last, tt.lastN, tt.n), got, tt.overBudget)
		}
	}
}
