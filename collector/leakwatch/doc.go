// Package leakwatch is the live goroutine-leak watch of gdiag's collector:
// linked into a service, it takes the runtime's goroutine profile at an
// interval, and less often its goroutineleak profile where the runtime has
// it (Go 1.27; Go 1.26 built with GOEXPERIMENT=goroutineleakprofile), keeps
// a bounded, thinned history, and judges every leak site with package
// leaks' rules over that history: proof from the runtime, sustained growth,
// pile-ups, operations that can never complete.
//
//	w, _ := leakwatch.New(leakwatch.Options{})           // defaults for a busy service
//	c, _ := collector.New(collector.WithLeakWatch(w))   // the collector runs it
//	mux.Handle("/debug/gdiag/", c.Handler())             // GET /debug/gdiag/leaks
//
// Package collector/promexport exports the verdicts to Prometheus.
//
// # What a site is
//
// A leak site is goroutines blocked at one place (the first frame outside
// the runtime and the standard library) that started in one function, with
// the same values of the label keys in Options.Labels (other labels are
// dropped before judging, which also keeps per-request labels from splitting
// a pile-up). The goroutine profile does not record the go statement that
// created a goroutine, so the function it started in stands for its creation
// site; nor goroutine ids or wait times. Where the full text dump fits the
// stop-the-world budget (Options.WaitBudget, 5 ms: a few hundred goroutines)
// the watch takes it too and carries the runtime's wait times over to the
// profile's stacks, so goroutines blocked at one place for 10 minutes and
// more are a likely leak even when they neither grow nor are proven; in
// bigger processes growth and the runtime's proof tell a leak.
//
// # Cost
//
// The goroutine profile is collected concurrently: it stops the world twice
// briefly, not per goroutine. Each step is timed; the next one is skipped,
// with the reason in State.Stats and the JSON warnings, when goroutines × the
// measured cost per goroutine exceeds Options.Budget (1% of a core) × the
// interval; the goroutineleak profile likewise against its own interval.
// The text dump stops the world for about 10 µs per goroutine (measured at
// each dump) and is skipped, counted in Stats.SkippedTextDumps, above the
// budget. Goroutines with the pprof label gdiag=collector (the collector's, this
// watch's own among them) are never judged. Memory: Options.Snapshots
// parsed profiles and one first-seen time per site (at most 10,000).
//
// The watch reads the clock through Options.Now, so tests drive Step with
// a fake clock over real goroutines.
package leakwatch
