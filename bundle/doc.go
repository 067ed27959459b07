// Package bundle owns the gdiag bundle: a zip file holding manifest.json and the
// diagnostic entries exactly as the Go runtime wrote them (goroutines.txt,
// heap.pb.gz, cpu.pb.gz, trace.out, …), so that `unzip` and `go tool pprof`
// work on a bundle without gdiag.
//
// The manifest records when and where the bundle was captured, the Go version,
// the GC and scheduler settings with where each came from, cgroup limits,
// process statistics, the metrics history and what each entry is.
//
// Package bundle imports only the standard library. It does not capture anything
// (that is package collector) and does not interpret entries (that is package
// analyzer and the checks).
package bundle
