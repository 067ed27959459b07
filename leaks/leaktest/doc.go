// Package leaktest fails tests that leave goroutines behind. It is built on
// go.uber.org/goleak and keeps its contract and option names (VerifyNone,
// VerifyTestMain, IgnoreTopFunction, IgnoreAnyFunction, IgnoreCreatedBy,
// IgnoreCurrent, Cleanup); GoleakOptions translates options for code that
// still calls goleak directly. What it adds:
//
//   - Speed with many goroutines alive. goleak captures and parses every
//     stack on each of its retries. leaktest captures once, then waits by
//     polling runtime.NumGoroutine (a few nanoseconds) and looks again only
//     when the number of goroutines changed, plus once at the end of the
//     retry budget. It looks through the goroutine profile, which formats no
//     text, and takes the text dump only for the report. With 10,000 goroutines
//     alive this is many times faster than goleak (see benchmarks/).
//   - A report in buckets: goroutines with the same stack are counted
//     together with their blocking operation, their creation site, the test
//     that started them and package leaks' verdict, check ID and suggested
//     fix for the bucket, instead of thousands of raw stacks.
//   - Attribution under t.Parallel: Check labels the test's goroutine with
//     the pprof label "leaktest" = t.Name(); goroutines it starts (and the
//     goroutines those start) inherit the label, so each test checks only its
//     own goroutines and a leak is blamed on the test that caused it.
//   - Default ignores for libraries whose background goroutines live for the
//     whole process by design (DefaultIgnores; WithoutDefaultIgnores turns
//     them off).
//   - A retry budget (MaxRetries, MaxSleep, MaxWait) and OnlyGrowth, which
//     fails only when a bucket holds more goroutines than when the option was
//     created.
//
// Typical uses:
//
//	func TestMain(m *testing.M) { leaktest.VerifyTestMain(m) }
//
//	func TestServer(t *testing.T) {
//		leaktest.Check(t) // first line; verifies in t.Cleanup
//		t.Parallel()
//		...
//	}
//
//	func TestClient(t *testing.T) {
//		defer leaktest.VerifyNone(t) // goleak style: every goroutine counts
//		...
//	}
//
// leaktest is for tests. To look for leaks in a running service or in a dump
// use package leaks and gdiag analyze.
package leaktest
