// Package leaks decides which goroutines are blocked for good: for every
// bucket of goroutines it gives a verdict (proven leak, likely leak, suspect,
// blocked but benign, active) with the evidence behind it, and diffs
// snapshots of a running service to find buckets that keep growing.
//
// It is a pure check over parsed stacks (package stack): no I/O, no clock.
// Times come from the inputs (Sample.Time). It does not parse dumps (that is
// package stack), load files (package analyzer) or run inside tests (package
// leaks/leaktest).
//
// # API
//
// Analyze is the check contract every gdiag check follows (see
// report.Result and docs/checks.md): it judges the last of a series of
// snapshots with the history of the earlier ones, and its Result gives the
// report findings (one per leak site, Merge) and sections (verdicts,
// goroutine summary, top buckets; the diff table for gdiag diff).
//
//	res, _ := leaks.Analyze(leaks.Input{Samples: samples, Leaked: profiles}, leaks.Options{})
//	fs, secs := res.Findings(), res.Sections()
//
// Find and Diff are its two steps, for callers that keep their own history
// (the collector's live watch, leaktest):
//
//	fs := leaks.Find(snap, leaks.Options{})        // one Finding per bucket, most important first
//	for _, f := range fs {
//		if f.Verdict.IsLeak() { … f.Check, f.Blocking, f.CreatedBy, f.Evidence … }
//	}
//	rf := fs[0].Report()                            // report.Finding for the renderers
//
//	h := leaks.Diff([]leaks.Sample{{Name: "a", Time: t0, Snapshot: a}, …}, leaks.DiffOptions{})
//	fs = leaks.Find(last, leaks.Options{History: h}) // adds growth and age evidence
//
// Options.Leaked takes Go's goroutineleak profile of the same moment;
// Options.Ignore takes the user's rules (ParseRule parses "func=REGEX",
// "top=", "entry=", "creator=", "label="); Options.Quiescent says the program
// should be idle (the end of a test), which makes every goroutine blocked in
// user code a likely leak.
//
// # Verdicts
//
// Evidence is weighed: 2 is strong, 1 is weak. Two points make a likely leak,
// one a suspect, none a benign block (or active, for goroutines that run,
// sleep or are in a system call):
//
//   - proof (verdict Proven whatever else): the goroutineleak profile lists
//     the stack, the dump marks the goroutines "(leaked)", the dump is the
//     runtime's "all goroutines are asleep - deadlock!" crash (for channel
//     and sync waits), or they wait on a nil channel or in select {};
//   - wait: the runtime printed ", N minutes": 10 minutes or more (LongWait) is
//     strong, a minute or more weak;
//   - pile-up: goroutines from one creation site in user code blocked at one
//     place in user code: 500 or more (PileUpLarge) strong, 10 or more
//     (PileUp) weak. Goroutines created by the standard library (net/http's
//     per-connection goroutines) pile up with load and do not count;
//   - growth (with Options.History): a count that never falls over three or
//     more snapshots and grows by at least three is strong when some of the
//     same goroutine ids stay in the bucket (or the input has no ids), weak
//     when they all changed (the bucket grows with load but its goroutines
//     finish); growth between two snapshots is weak;
//   - orphans: goroutines of one bucket blocked directly in user code that
//     were started by five or more different goroutines, most of which have
//     exited or returned from the function whose go statement started them
//     (one per request or task): they outlived the work that started them,
//     weak. Idle pool workers, started together by one goroutine, are not
//     orphans. Senders whose creating call has returned in every goroutine
//     that started them (nobody in that call can receive any more) are
//     orphans too, also weak; receivers in that shape are idle workers;
//   - quiescent: Options.Quiescent (or a snapshot read from goleak's failure
//     message, Snapshot.Goleak) and blocked in user code, strong;
//   - once cycle: goroutines waiting for a sync.Once's mutex while every
//     goroutine inside a Once's init function (the only place its mutex is
//     held) waits for a Once's mutex too — an init calling Do of its own
//     Once, or two inits each other's — strong (not proof: a truncated dump
//     may lack the goroutine that would release it).
//
// HTTP/1 client connections (check leaks/http-body-not-closed) are told
// apart by where their reader blocks: in network IO (pc.br.Peek) it is an
// idle keep-alive connection, benign; in its select it waits for the caller
// to read the response body to EOF or close it. Such connections are in
// flight while goroutines read bodies (bodyEOFSignal.Read) at least as many
// as they are, else unread: 10 or more unread (PileUp) weak, 500 or more
// (PileUpLarge) strong; a client that is idle — no goroutine in
// Transport.roundTrip, reading a body or running user code other than the
// one writing the dump — weak; Options.Quiescent strong; the printed wait
// as above. The connection's writer (persistConn.writeLoop, started by the
// same dialConn goroutine) gets the same check and weighing when its bucket
// is made of such writers.
//
// One fact weighs against: goroutines that each belong to a call still
// running (the parent is alive, still in the function whose go statement
// started them, and started only this one — a connection's writer next to
// its reader) end with their owner; unless proven they are at most suspect.
//
// Network and file IO count as a leak only on sustained growth (long-lived
// connections wait in IO by design); sleeps, timers and running goroutines
// only on sustained growth too (check leaks/growth).
//
// # Benign table
//
// BenignRules is the one table of known idle patterns: runtime workers, the
// main goroutine waiting for shutdown, os/signal, net/http servers (accept
// loop, connections waiting for the next request) and idle keep-alive client
// connections (persistConn readLoop in IO, writeLoop), HTTP/2 connections,
// database/sql's connection opener and cleaner, the testing framework,
// runtime/pprof and runtime/trace writers, gdiag's own goroutines (pprof label
// gdiag=collector), and the background goroutines of gRPC, OpenCensus,
// OpenTelemetry batch processors, zap, glog, klog, go-cache, fsnotify and
// goleak. Matched buckets are Benign unless the runtime proved them leaked;
// a benign bucket that grows steadily becomes Suspect (a new http.Transport
// or server per request leaks its idle goroutines). Extend it per call with
// Options.Benign; silence anything with Options.Ignore.
//
// Check IDs (Checks) are public API and never change meaning; the verdict
// says how sure a finding is, the check what pattern it is.
package leaks
