// Package collector captures gdiag bundles from inside a running Go
// program: it is the in-process half of gdiag, linked into the service you
// want to diagnose. It serves a debug HTTP endpoint (like net/http/pprof),
// keeps a ring of runtime/metrics samples, and can watch the process and
// write bundles by itself when goroutines, heap, GC CPU or RSS spike.
//
// It does not analyse anything (that is package analyzer and the checks) and
// it registers nothing globally: you mount its handler. The one line:
//
//	mux.Handle("/debug/gdiag/", c.Handler()) // c, _ := collector.New(); defer c.Close()
//
// The handler routes on the last path element, so it works the same with
// http.StripPrefix("/debug/gdiag", c.Handler()).
//
// # Endpoints
//
// GET / (the mount point, with its trailing slash) — an HTML index page
// listing the endpoints and the live state: goroutines, heap live and goal,
// GC CPU % over the last metrics interval, and GOGC, GOMEMLIMIT and
// GOMAXPROCS with where each came from.
//
// GET /bundle — streams a bundle (a zip, see package bundle) as an attachment
// named gdiag-<host>-<UTC time>.gdiag. Query parameters:
//
//	seconds=N     window of the CPU and wall-clock (fgprof) profiles, in seconds,
//	              fractions allowed (seconds=0.2); default 5, at most WithMaxSeconds.
//	              seconds=0 leaves both profiles out.
//	ms=N          the same window in milliseconds; overrides seconds.
//	include=LIST  comma-separated parts: goroutines, goroutineleak, heap, allocs,
//	              block, mutex, threadcreate, cpu, fgprof, trace, metrics.
//	              Default: every part available. A listed part that is not
//	              available (no flight recorder, no goroutineleak experiment,
//	              seconds=0) is recorded in the manifest as a failed entry.
//	full=1        take the full goroutine text dump even when its estimated
//	              stop-the-world pause exceeds the budget (WithStackBudget).
//
// Only one capture runs at a time; a second gets 429 Too Many Requests with
// Retry-After. A capture stops when the client disconnects, and is bounded in
// time (WithMaxCaptureDuration) and bytes (WithMaxBundleBytes). A bad
// parameter gets 400.
//
// GET /history — the metrics history as JSON (bundle.MetricsHistory).
// Parameter seconds=N keeps only the last N seconds. (It was /metrics until
// December 2026; /metrics now answers 404 so that a Prometheus scrape never
// reads JSON: register collector/promexport in your registry instead.)
//
// GET /leaks — with WithLeakWatch, the live leak watch's verdicts as JSON,
// the contract of `gdiag analyze --format json` (docs/json.md); see package
// collector/leakwatch.
//
// # Safety
//
// The collector is built to be left in a busy production process:
//
//   - Requests from non-loopback addresses are refused with 403 unless
//     WithToken (then every request needs "Authorization: Bearer <token>",
//     401 otherwise) or WithAllowRemote is set. X-Forwarded-For is ignored.
//   - The full goroutine text dump (runtime.Stack with all=true) stops the
//     world for about 10 µs per goroutine. It is taken only when goroutines ×
//     the per-goroutine cost measured at the previous dump (10 µs before the
//     first; a measured cost above that fades back toward it with each skipped
//     capture, so one slow dump does not disable it for good) fits
//     WithStackBudget (5 ms), into a buffer sized from the previous
//     dump so that the world normally stops once; a dump that does not fit
//     WithMaxStackBytes is kept and marked Truncated. The concurrent goroutine
//     profile is always taken. The manifest's StackDump records the decision,
//     the estimate and the measured pause.
//   - fgprof samples every goroutine 99 times a second (about 1 µs each); it
//     is skipped when that would exceed WithFgprofBudget.
//   - The goroutineleak profile (Go 1.27+; Go 1.26 with
//     GOEXPERIMENT=goroutineleakprofile) is in every bundle when the runtime
//     has it. It is taken first, so the text dump after it carries the
//     runtime's "(leaked)" marks, and after a runtime.GC(), without which
//     the detection misses goroutines blocked on a leaked sync.Mutex. Its
//     detection stops the world at each marking fixed point and while it
//     marks the leaked goroutines: it is skipped, the entry saying why, when
//     goroutines × the pause per goroutine measured at the previous profile
//     exceeds WithLeakBudget (50 ms) or the sequence would take over 2 s.
//   - If another CPU profile is running, the bundle records the cpu entry as
//     failed instead of failing.
//   - Every goroutine the collector starts (the flight recorder's reader
//     included) carries the pprof label gdiag=collector, and so does the
//     goroutine serving a request to the handler while it serves it; Close
//     stops them all. Panics in capture steps and user callbacks become
//     failed entries or reach WithErrorHandler.
//   - When idle the collector costs one runtime/metrics read per interval
//     (a few µs) into a fixed ring: 20 min of 1 s samples is about 0.5 MiB.
package collector
