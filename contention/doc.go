// Package contention finds lock contention in the runtime's mutex and block
// profiles.
//
// It is a check: pure functions over *profile.Profile values (from
// github.com/google/pprof/profile) that the caller hands in, with no I/O and
// no wall clock.
//
//   - Analyze is the check contract of every gdiag check (report.Result,
//     docs/checks.md): it runs AnalyzeProfile on every profile of its Input
//     once, and Result.Findings and Result.Sections present the sites.
//   - AnalyzeProfile groups one mutex or block profile's samples by contended site
//     (the first frame outside the runtime, sync and internal packages) and
//     ranks the sites by total delay, with contentions, share of all delay,
//     delay per second of the profile's window when the caller knows it, the
//     blocking operation and the call path.
//   - Result.Findings reports the sites where goroutines lose a noticeable share of
//     a core waiting for one lock (CheckMutexHot from the mutex profile,
//     CheckLockWait from sync lock waits in the block profile) with advice on
//     how to shorten or split the critical section; Result.Sections renders the top
//     sites as tables.
//
// Since Go 1.22 the mutex profile charges the delay to the call stack of the
// goroutine that held the lock, at its Unlock: the site it names is the
// critical section that made others wait. The block profile charges the
// waiters, at their Lock, channel operation or select.
//
// Package contention does not enable profiling (runtime.SetMutexProfileFraction,
// runtime.SetBlockProfileRate), capture or read profiles: the collector
// captures, the analyzer loads, and this package only interprets.
package contention
