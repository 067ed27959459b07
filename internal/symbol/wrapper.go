package symbol

import "strings"

// goWrapper is a function that runs a go statement on its caller's behalf:
// the runtime prints it as the goroutine's creator ("created by
// sync.(*WaitGroup).Go in goroutine 1"), which names neither the code that
// asked for the goroutine nor the function it runs.
type goWrapper struct {
	// fn is the creator as the runtime prints it.
	fn string
	// own is the import path prefix of the wrapper's own frames on the
	// started goroutine's stack (its closure, panic catchers, worker loops).
	own string
}

// goWrappers is the table of known wrappers. Add a row for a new one: the
// function the runtime names after "created by", and the import path
// prefix whose frames belong to the wrapper.
func goWrappers() []goWrapper {
	return []goWrapper{
		{"sync.(*WaitGroup).Go", "sync"}, // Go 1.25+
		{"golang.org/x/sync/errgroup.(*Group).Go", "golang.org/x/sync/errgroup"},
		{"golang.org/x/sync/errgroup.(*Group).TryGo", "golang.org/x/sync/errgroup"},
		{"golang.org/x/sync/singleflight.(*Group).DoChan", "golang.org/x/sync/singleflight"},
		{"github.com/sourcegraph/conc.(*WaitGroup).Go", "github.com/sourcegraph/conc"},
		{"github.com/sourcegraph/conc/pool.(*Pool).Go", "github.com/sourcegraph/conc"},
		{"github.com/sourcegraph/conc/pool.(*Pool).worker", "github.com/sourcegraph/conc"},
		{"github.com/panjf2000/ants/v2.(*goWorker).run", "github.com/panjf2000/ants/v2"},
		{"github.com/alitto/pond/v2.(*pool).launchWorker", "github.com/alitto/pond/v2"},
	}
}

// wrapperOwn returns the wrapper's own import path prefix when fn is a known
// goroutine-starting wrapper.
func wrapperOwn(fn string) (string, bool) {
	for _, w := range goWrappers() {
		if fn == w.fn {
			return w.own, true
		}
	}
	return "", false
}

// IsGoWrapper reports whether fn, printed as a goroutine's creator, is a
// wrapper that starts goroutines for its caller (sync.(*WaitGroup).Go,
// errgroup.(*Group).Go and TryGo, conc and worker pools).
func IsGoWrapper(fn string) bool {
	_, ok := wrapperOwn(fn)
	return ok
}

// Started returns the index of the frame that runs the function handed to a
// wrapper that created the goroutine: scanning the goroutine's n frames
// (innermost first) from the outermost, the first that is neither the
// standard library, the runtime nor the wrapper's own package. It returns -1
// when creator is not a known wrapper or no such frame exists (the
// goroutine's stack was not printed whole).
func Started(creator string, n int, frame func(i int) (fn, file string)) int {
	own, ok := wrapperOwn(creator)
	if !ok {
		return -1
	}
	for i := n - 1; i >= 0; i-- {
		fn, file := frame(i)
		if IsAddress(fn) || IsStdlib(fn, file) {
			continue
		}
		if pkg := Package(fn); pkg == own || strings.HasPrefix(pkg, own+"/") {
			continue
		}
		return i
	}
	return -1
}

// Caller returns the index of the frame that called a wrapper in a creator's
// stack at the time of the go statement (an ancestor stack printed under
// GODEBUG=tracebackancestors), innermost first: the first frame after the
// wrapper's that is not in the standard library or the wrapper's package.
// It returns -1 when there is none.
func Caller(creator string, n int, frame func(i int) (fn, file string)) int {
	own, ok := wrapperOwn(creator)
	if !ok {
		return -1
	}
	seen := false
	for i := range n {
		fn, file := frame(i)
		if fn == creator {
			seen = true
			continue
		}
		if !seen || IsAddress(fn) || IsStdlib(fn, file) {
			continue
		}
		if pkg := Package(fn); pkg == own || strings.HasPrefix(pkg, own+"/") {
			continue
		}
		return i
	}
	return -1
}
