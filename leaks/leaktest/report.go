package leaktest

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// Error is what Find returns, and VerifyNone and VerifyTestMain report,
// when unexpected goroutines are left: they are grouped into buckets of
// goroutines with the same functions, state and creation site.
type Error struct {
	// Buckets are sorted by Count, largest first.
	Buckets []Bucket
	// Count is the number of unexpected goroutines (with OnlyGrowth, those
	// over the baseline).
	Count int
	// Retries is how many times leaktest waited; Profiles how many times it
	// read the goroutine profile and Captures how many times it captured
	// the text dump of all stacks; Elapsed the time from the first look to
	// the verdict.
	Retries, Profiles, Captures int
	Elapsed                     time.Duration
}

// Bucket is a set of unexpected goroutines with the same stack.
type Bucket struct {
	// Count is the number of goroutines in the bucket.
	Count int
	// Growth, with OnlyGrowth, is how many more goroutines the bucket's go
	// statement has started and left alive than at the baseline, given to
	// the largest bucket of that go statement; 0 without OnlyGrowth.
	Growth int
	// State is the wait reason printed in the dump ("chan receive").
	State string
	// Op is the blocking operation.
	Op stack.Op
	// Where is the frame the verdict is about (leaks.Finding.Blocking): the
	// tested module's innermost frame, else the innermost outside the
	// runtime and standard library, else the innermost frame.
	Where stack.Frame
	// CreatedBy is the go statement that started the goroutines, charged to
	// the caller of wrappers such as sync.(*WaitGroup).Go
	// (stack.Goroutine.CreationSite).
	CreatedBy stack.Frame
	// Tests are the tests whose goroutines (labelled by Check) are in the
	// bucket, by name; empty when no test used Check.
	Tests []TestCount
	// IDs are the goroutine ids.
	IDs []int64
	// Stack is the first goroutine's stack.
	Stack *stack.Stack
	// Verdict, Check, Rule and Suggestion are package leaks' judgement of
	// the bucket at the end of a test (leaks.Options.Quiescent): the
	// pattern's check ID, the benign rule that matched if any, and the
	// change it proposes. They explain; they do not decide what fails.
	Verdict    leaks.Verdict
	Check      string
	Rule       string
	Suggestion string
}

// TestCount is how many goroutines of a bucket one test started.
type TestCount struct {
	Test  string
	Count int
}

func newError(gs []stack.Goroutine, excess map[string]int) *Error {
	e := &Error{}
	judged := make(map[string]*leaks.Finding)
	mainModules := testedModule()
	fs := leaks.Find(&stack.Snapshot{Goroutines: gs, Format: stack.FormatText, Total: len(gs)},
		leaks.Options{Similarity: growthGrouping().Similarity, Quiescent: true, MainModules: mainModules})
	for i := range fs {
		judged[fs[i].Signature] = &fs[i]
	}
	counted := make(map[string]bool) // growth keys already given to a bucket
	for _, bk := range stack.Group(gs, growthGrouping()) {
		growth := 0
		if k := growthKey(&gs[bk.Goroutines[0]]); excess != nil && !counted[k] {
			growth, counted[k] = excess[k], true
		}
		b := Bucket{
			Count:     bk.Count,
			Growth:    growth,
			State:     bk.State,
			Op:        bk.Op,
			CreatedBy: bk.CreationSite(gs),
			IDs:       bk.IDs,
			Stack:     bk.Stack,
		}
		// Where and the verdict name the same frame: the finding's.
		if f := judged[bk.Signature]; f != nil {
			b.Verdict, b.Check, b.Rule, b.Suggestion = f.Verdict, f.Check, f.Rule, f.Suggestion
			b.Where, b.CreatedBy = f.Blocking, f.CreatedBy
		} else if f, ok := bk.Stack.FirstUserIn(mainModules); ok {
			b.Where = f
		} else if len(bk.Stack.Frames) > 0 {
			b.Where = bk.Stack.Frames[0]
		}
		tests := make(map[string]int)
		for _, i := range bk.Goroutines {
			if v, ok := label(gs[i].Labels, LabelKey); ok {
				tests[v] += gs[i].Count
			}
		}
		for name, n := range tests {
			b.Tests = append(b.Tests, TestCount{Test: name, Count: n})
		}
		sort.Slice(b.Tests, func(i, j int) bool {
			if b.Tests[i].Count != b.Tests[j].Count {
				return b.Tests[i].Count > b.Tests[j].Count
			}
			return b.Tests[i].Test < b.Tests[j].Test
		})
		if excess != nil {
			e.Count += b.Growth
		} else {
			e.Count += b.Count
		}
		e.Buckets = append(e.Buckets, b)
	}
	return e
}

// maxIDs is how many goroutine ids Error prints per bucket.
const maxIDs = 10

// Error renders the buckets, largest first, each with its blocking
// operation, where it blocks, its creation site, the tests that started it,
// the goroutine ids and one stack.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "leaktest: %d unexpected goroutine%s in %d bucket%s (%d retries, %d profiles, %d dumps, %s)",
		e.Count, plural(e.Count), len(e.Buckets), plural(len(e.Buckets)), e.Retries, e.Profiles, e.Captures, e.Elapsed.Round(time.Millisecond))
	for _, bk := range e.Buckets {
		b.WriteString("\n\n")
		op := bk.State
		if op == "" {
			op = bk.Op.String()
		}
		fmt.Fprintf(&b, "%d goroutine%s", bk.Count, plural(bk.Count))
		if bk.Growth > 0 {
			fmt.Fprintf(&b, " (+%d over baseline)", bk.Growth)
		}
		fmt.Fprintf(&b, " [%s] at %s", op, bk.Where)
		if bk.CreatedBy.Func != "" {
			fmt.Fprintf(&b, "\n    created by %s", bk.CreatedBy)
		}
		if bk.Check != "" || bk.Rule != "" {
			fmt.Fprintf(&b, "\n    %s", bk.Verdict)
			if bk.Check != "" {
				fmt.Fprintf(&b, " (%s)", bk.Check)
			}
			if bk.Rule != "" {
				fmt.Fprintf(&b, ", known pattern: %s", bk.Rule)
			}
			if bk.Suggestion != "" {
				fmt.Fprintf(&b, "\n    fix: %s", bk.Suggestion)
			}
		}
		if len(bk.Tests) > 0 {
			b.WriteString("\n    started by test")
			for i, tc := range bk.Tests {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, " %s (%d)", tc.Test, tc.Count)
			}
		}
		if len(bk.IDs) > 0 {
			b.WriteString("\n    goroutines")
			for i, id := range bk.IDs {
				if i == maxIDs {
					fmt.Fprintf(&b, " … %d more", len(bk.IDs)-maxIDs)
					break
				}
				fmt.Fprintf(&b, " %d", id)
			}
		}
		if bk.Stack != nil {
			for _, f := range bk.Stack.Frames {
				fmt.Fprintf(&b, "\n      %s\n          %s:%d", f.Func, f.File, f.Line)
			}
		}
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// testedModule returns the module under test (the main module of a test
// binary), whose frames a report points at rather than at libraries, gdiag's
// own included.
func testedModule() []string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" {
		return []string{bi.Main.Path}
	}
	return nil
}
