package leaktest

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"testing"

	"go.uber.org/goleak"
)

// TestingT is the part of *testing.T that VerifyNone uses; the same
// interface as goleak.TestingT.
type TestingT = goleak.TestingT

// TestingM is the part of *testing.M that VerifyTestMain uses; the same
// interface as goleak.TestingM.
type TestingM = goleak.TestingM

// VerifyNone reports through t.Error every goroutine still alive that is
// neither the caller nor expected by the options, after waiting for them
// within the retry budget. Like goleak.VerifyNone it looks at every
// goroutine of the process, so with t.Parallel it sees the goroutines of
// other tests: use Check there.
func VerifyNone(t TestingT, opts ...Option) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	c := newConfig(opts)
	cleanup := c.cleanup
	c.cleanup = nil
	if err := find(c, currentID()); err != nil {
		t.Error(err)
	}
	if cleanup != nil {
		cleanup(0)
	}
}

// VerifyTestMain runs the tests and, if they pass, checks for unexpected
// goroutines like VerifyNone, printing them to stderr and exiting with 1.
// It exits with m.Run's code, or calls the Cleanup option's function with
// it instead of exiting. Use it as the whole body of TestMain:
//
//	func TestMain(m *testing.M) { leaktest.VerifyTestMain(m) }
func VerifyTestMain(m TestingM, opts ...Option) {
	code := m.Run()
	c := newConfig(opts)
	cleanup := c.cleanup
	c.cleanup = nil
	if code == 0 {
		if err := find(c, currentID()); err != nil {
			fmt.Fprintf(os.Stderr, "leaktest: errors on successful test run: %v\n", err)
			code = 1
		}
	}
	if cleanup != nil {
		cleanup(code)
		return
	}
	os.Exit(code)
}

// Check makes the test verify, when it ends (in t.Cleanup), that no
// goroutine it started is left. Call it first in the test, before
// t.Parallel and before starting goroutines. It sets the pprof label
// LabelKey = t.Name() on the test's goroutine, replacing any labels set
// there before; goroutines started from it inherit the label, and only
// those are checked, so tests running in parallel neither see nor blame
// each other's goroutines. Subtests that call Check get their own label.
//
// Labels are read from the goroutine profile, so Check costs about twice
// what VerifyNone does per capture. Cleanup is not accepted here.
func Check(t testing.TB, opts ...Option) {
	t.Helper()
	c := newConfig(opts)
	if c.cleanup != nil {
		t.Fatal("leaktest: Cleanup can only be passed to VerifyNone or VerifyTestMain")
	}
	c.test = t.Name()
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(LabelKey, c.test)))
	t.Cleanup(func() {
		// A helper, so the failure is reported at the test's call of Check
		// (testing follows a helper cleanup back to where it was
		// registered), not at this line.
		t.Helper()
		// The cleanup runs on the test's goroutine: drop the label so the
		// check does not count itself.
		pprof.SetGoroutineLabels(context.Background())
		if err := find(c, currentID()); err != nil {
			t.Error(err)
		}
	})
}
