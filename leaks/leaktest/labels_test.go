package leaktest_test

import (
	"context"
	"runtime/pprof"
)

// labelled runs f with the pprof label gdiag=worker, which goroutines
// started by f inherit.
func labelled(f func()) {
	pprof.Do(context.Background(), pprof.Labels("gdiag", "worker"), func(context.Context) { f() })
}
