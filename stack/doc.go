// Package stack parses Go goroutine dumps into a model of goroutines and
// frames, classifies what each goroutine is blocked on, and groups goroutines
// into buckets by signature.
//
// It reads every text format Go 1.20–1.27 prints: runtime.Stack(buf, true),
// net/http/pprof's goroutine?debug=2 and debug=1, panic and fatal-error crash
// output with noise around it, GOTRACEBACK=system|crash headers, goroutine
// labels (Go 1.27's `[chan send] {handler: checkout, "sku id": "a\"b"}` and
// Go 1.26's " labels:{…}" inside the bracket), ancestors and elided frames,
// and gccgo tracebacks. The threads' "goroutine 0" scheduler stacks are kept
// apart in Snapshot.SchedulerStacks. Parsing streams the input, interns
// function names, files and whole stacks, and is linear in the input size.
//
// Parsers are forgiving: they return every goroutine they could read together
// with an error that lists, by line number, what was skipped. Both results may
// be non-nil. No input makes them panic. Crash logs often have other output
// written into them (a second process on the same stderr): lines between and
// inside goroutines are ignored, a frame line cut in two by such output is
// kept and reported, and a goroutine that GOTRACEBACK=crash prints twice is
// kept once. Dumps copied from issues and logs are read too: file lines
// indented with spaces or not at all, every line indented or stamped by a
// log collector (the prefix is taken from the first goroutine header, and
// timestamps may vary in width), and a dump escaped inside one log field
// ("\ngoroutine 1 [running]:\n…"). Unwrap, which Parse applies first, also
// takes dumps out of UTF-16, NUL bytes, ANSI escapes, CR-only line ends,
// `go test -json` streams, JSON log records, logfmt records (log/slog's
// TextHandler), a dump logged by a test (t.Log) and goleak's failure
// message.
//
// Package stack imports only the standard library; pprof protos are converted
// into this model by package analyzer.
package stack
