package leaks

import (
	"regexp"
	"testing"
)

// TestCollectorFuncs: the benign rule for gdiag's own goroutines matches
// the packages of symbol.CollectorPackages and their subpackages, not their
// tests, the typed pool, leaktest or the fixture.
func TestCollectorFuncs(t *testing.T) {
	re := regexp.MustCompile(collectorFuncs)
	for fn, want := range map[string]bool{
		"github.com/gdiag/gdiag/collector.(*Collector).serveBundle":    true,
		"github.com/gdiag/gdiag/collector/leakwatch.(*Watch).step":     true,
		"github.com/gdiag/gdiag/stack.(*chunker).newBuf":               true,
		"github.com/gdiag/gdiag/internal/pprofconv.Snapshot":           true,
		"github.com/gdiag/gdiag/bundle.(*Writer).Add":                  true,
		"github.com/gdiag/gdiag/collector/leakwatch_test.leakySend":    false,
		"github.com/gdiag/gdiag/collector_test.TestBusy429":            false,
		"github.com/gdiag/gdiag/pool.(*Pool[...]).Get":                 false,
		"github.com/gdiag/gdiag/leaks/leaktest.Find":                   false,
		"github.com/gdiag/gdiag/fixtures/flashsale.(*Service).reserve": false,
		"github.com/gdiag/gdiag/collectorx.f":                          false,
		"main.main":                                                    false,
	} {
		if got := re.MatchString(fn); got != want {
			t.Errorf("%s matches %q: %v, want %v", collectorFuncs, fn, got, want)
		}
	}
}
