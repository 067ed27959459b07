// Package analyzer turns gdiag's inputs into one report.
//
// Load reads any supported input — a gdiag bundle, a goroutine text dump
// (runtime.Stack, pprof debug=2, crash output), pprof debug=1 text, a pprof
// protobuf profile (goroutine, goroutineleak, heap, allocs, CPU, …; gzipped or
// not), a GODEBUG=gctrace=1 log or a metrics history — recognising it by its
// content, never by its file name. "-" reads standard input.
//
// Analyze runs the checks (leaks, gctune, heap, contention) over the loaded
// inputs and orders their findings into a report.Report with report.Sort,
// the one documented order. It only loads, runs and orders: each check
// follows one contract (report.Result; docs/checks.md) and owns its
// findings and sections; facts are computed once and passed forward (one
// gctune result per input also prices the heap check's pool advice). Diff
// builds the report of gdiag diff, with bundles in capture-time order.
// Checks are pure: Analyze does no I/O and reads no clock; every time comes
// from the inputs.
//
// Package analyzer does not capture anything (that is package collector) and
// does not render (that is package report).
package analyzer
