// Command gdiag captures and analyses Go runtime diagnostics: goroutine
// dumps, profiles, GC traces and gdiag bundles. Run `gdiag help` for the
// subcommands.
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1 // --fail-on matched a finding
	exitUsage    = 2 // bad usage or unreadable input
)

// command is one subcommand.
type command struct {
	name, args, help string
	run              func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"analyze", "FILE...", "analyse goroutine dumps, profiles, gctrace logs or bundles", runAnalyze},
		{"diff", "A B [C...]", "compare goroutine dumps or bundles over time: growth, new buckets, leaks", runDiff},
		{"capture", "URL", "download a bundle from a running collector and validate it", runCapture},
		{"demo", "", "run a flash-sale with faults, capture a bundle and analyse it", runDemo},
		{"view", "BUNDLE...", "serve the report and every profile in pprof's web UI (flame graph) on loopback", runView},
		{"recommend", "BUNDLE...", "GOGC, GOMEMLIMIT and GOMAXPROCS advice with predicted effect", runRecommend},
		{"gctune", "", "what-if table of GC settings for a load given by flags", runGCTune},
		{"version", "", "print the gdiag and Go versions", runVersion},
	}
}
