package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// runDiff compares goroutine snapshots of one process taken in time order.
func runDiff(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", "A B [C...] (bundles or goroutine dumps; bundles are put in capture-time order, loose dumps taken oldest first as given)", stderr)
	var (
		failOn = fs.String("fail-on", "", "exit 1 when a finding of this severity or higher exists (info, low, medium, high, critical)")
		load   = addLoadFlags(fs) // limits.go: --workers, --max-input, --max-profile, --max-goroutines
		leak   = addLeakFlags(fs, leaks.DefaultDiffTop, "number of buckets to list; when given, also of findings the text view shows in full (default 5) (-1 = all)")
		out    = briefOutputFlags(fs, leak.top)
	)
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) < 2 {
		fmt.Fprintln(stderr, "gdiag diff: need two or more inputs, oldest first")
		fs.Usage()
		return exitUsage
	}
	opts := analyzer.Options{MainModules: leak.modules}
	if opts.Leaks, err = leak.options(); err != nil {
		fmt.Fprintf(stderr, "gdiag diff: %v\n", err)
		return exitUsage
	}
	threshold, err := severityFlag(*failOn)
	if err != nil {
		fmt.Fprintf(stderr, "gdiag diff: --fail-on: %v\n", err)
		return exitUsage
	}
	if err := out.validate(); err != nil {
		fmt.Fprintf(stderr, "gdiag diff: %v\n", err)
		return exitUsage
	}
	inputs, code := loadAll(files, stdin, stderr, load)
	if inputs == nil {
		return code
	}
	return finish("diff", analyzer.Diff(inputs, opts), out, stdout, stderr, code, threshold)
}

// leakFlags are the leak-detection flags of analyze and diff.
type leakFlags struct {
	top, topFrames *int
	similarity     *string
	modules        list
	ignore         ruleList
	all            *bool
	quiescent      *bool
	pileUp         *int
	longWait       *time.Duration
}

// addLeakFlags defines the leak flags on fs, --top with the given default
// and help.
func addLeakFlags(fs *flag.FlagSet, top int, topHelp string) *leakFlags {
	l := &leakFlags{}
	l.top = fs.Int("top", top, topHelp)
	l.similarity = fs.String("similarity", stack.Similarity(0).String(), "bucket goroutines by: exact (every frame's file:line), func (function names), top (top frames only)")
	l.topFrames = fs.Int("top-frames", stack.DefaultTopFrames, "frames compared with --similarity top")
	fs.Var(&l.modules, "module", "module path of the service's own code, comma-separated or repeated (default: the main module in a bundle's build info); findings point at its frames rather than at libraries it calls")
	fs.Var(&l.ignore, "ignore", "ignore goroutines matching KIND=REGEX, KIND one of func (any frame), top (where it blocks), entry (the function it started in), creator (its go statement) or label (key=value); repeatable")
	l.all = fs.Bool("all-buckets", false, "report benign and active goroutine buckets too, as info findings")
	l.quiescent = fs.Bool("quiescent", false, "the program should be idle at capture (after load, at the end of a test): every goroutine blocked in user code is a likely leak")
	l.pileUp = fs.Int("pile-up", leaks.DefaultPileUp, fmt.Sprintf("goroutines of one creation site blocked at one place that make a suspect (the strong sign is %d×)", leaks.PileUpLargeFactor))
	l.longWait = fs.Duration("long-wait", leaks.DefaultLongWait, "printed wait that makes a likely leak")
	return l
}

func (l *leakFlags) options() (leaks.Options, error) {
	o := leaks.Options{Top: *l.top, TopFrames: *l.topFrames}
	var err error
	if o.Similarity, err = stack.ParseSimilarity(*l.similarity); err != nil {
		return o, fmt.Errorf("--similarity: %w", err)
	}
	for _, s := range l.ignore {
		r, err := leaks.ParseRule(s)
		if err != nil {
			return o, fmt.Errorf("--ignore: %w", err)
		}
		o.Ignore = append(o.Ignore, r)
	}
	if *l.pileUp < 1 || *l.longWait <= 0 {
		return o, fmt.Errorf("--pile-up and --long-wait must be positive")
	}
	o.PileUp = *l.pileUp // PileUpLarge follows it (leaks.PileUpLargeFactor)
	o.LongWait = *l.longWait
	o.Quiescent = *l.quiescent
	o.All = *l.all
	return o, nil
}

// ruleList is a repeatable flag; unlike list it does not split on commas,
// which regular expressions may contain.
type ruleList []string

func (r *ruleList) String() string { return strings.Join(*r, " ") }
func (r *ruleList) Set(s string) error {
	if s == "" {
		return fmt.Errorf("empty rule")
	}
	*r = append(*r, s)
	return nil
}
