package stack

import (
	"os"
	"strings"
	"testing"
)

// TestCreationSiteThroughWrappers reads real Go 1.26 and 1.27 dumps of
// goroutines started by sync.WaitGroup.Go and errgroup's Go and TryGo
// (testdata/gen/wrappers): the runtime names the wrapper as the creator, and
// CreationSite names the user's function instead: from the closure's name
// (on 1.26 startWorkers is inlined into main, and the closure is
// "main.main.startWorkers.func1"), or exactly, file and line of the call,
// from the creator's stack under GODEBUG=tracebackancestors.
func TestCreationSiteThroughWrappers(t *testing.T) {
	type want struct{ fn, file, line string }
	tests := []struct {
		file string
		want map[string]want // top frame → creation site
	}{
		{"testdata/wrappers_go1.26.txt", map[string]want{
			"main.main.startWorkers.func1": {"main.main.startWorkers", "main.go", ""},
			"main.fetchAll.func1":          {"main.fetchAll", "main.go", ""},
			"main.fetchAll.func2":          {"main.fetchAll", "main.go", ""},
		}},
		{"testdata/wrappers_go1.27.txt", map[string]want{
			"main.startWorkers.func1": {"main.startWorkers", "main.go", ""},
			"main.fetchAll.func1":     {"main.fetchAll", "main.go", ""},
			"main.fetchAll.func2":     {"main.fetchAll", "main.go", ""},
		}},
		{"testdata/wrappers_ancestors_go1.26.txt", map[string]want{
			"main.main.startWorkers.func1": {"main.main", "main.go", "main.go:41"},
			"main.fetchAll.func1":          {"main.fetchAll", "main.go", "main.go:30"},
			"main.fetchAll.func2":          {"main.fetchAll", "main.go", "main.go:34"}, // the runtime's line for TryGo's inlined call
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			snap, err := Parse(f, ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for i := range snap.Goroutines {
				g := &snap.Goroutines[i]
				w, ok := tt.want[g.Stack.Frames[0].Func]
				if !ok {
					continue
				}
				seen++
				if !wrapped(g) {
					t.Errorf("goroutine %d: creator %s is not a known wrapper", g.ID, g.CreatedBy.Func)
				}
				got := g.CreationSite()
				if got.Func != w.fn || !strings.HasSuffix(got.File, w.file) {
					t.Errorf("goroutine %d (%s, created by %s): CreationSite = %s, want %s in %s", g.ID, g.Stack.Frames[0].Func, g.CreatedBy.Func, got, w.fn, w.file)
				}
				if w.line != "" && !strings.HasSuffix(got.Location(), w.line) {
					t.Errorf("goroutine %d: CreationSite at %s, want %s", g.ID, got.Location(), w.line)
				}
				if w.line == "" && got.Line != 0 {
					t.Errorf("goroutine %d: CreationSite line %d: the dump does not have the call's line", g.ID, got.Line)
				}
			}
			if seen != len(tt.want) {
				t.Errorf("found %d of the %d wrapped goroutines", seen, len(tt.want))
			}
		})
	}
}

// wrapped reports whether the runtime names a wrapper as g's creator.
func wrapped(g *Goroutine) bool { return g.CreationSite() != g.CreatedBy }
