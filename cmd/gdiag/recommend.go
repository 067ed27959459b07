package main

import (
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
)

// runRecommend prints the tuning advice for bundles or gctrace logs: the GC
// summary, GOGC/GOMEMLIMIT/GOMAXPROCS recommendations with the model's
// before/after figures and a what-if table. It runs the analyzer with the
// recommend focus, so every check that gives tuning advice (GC, pools)
// appears here without the goroutine sections of gdiag analyze.
func runRecommend(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("recommend", "BUNDLE|GCTRACE...", stderr)
	var (
		budget = fs.String("memory-budget", "", "memory the Go runtime may use, e.g. 3GiB (default: the cgroup memory limit less --headroom)")
		head   = fs.Float64("headroom", gctune.DefaultHeadroom, "share of the cgroup memory limit kept for non-Go memory and overshoot")
		target = fs.Float64("gc-cpu-target", gctune.DefaultTargetGCCPUShare, "GC CPU share to reach, 0..1")
		out    = outputFlags(fs)
		failOn = fs.String("fail-on", "", "exit 1 when a finding of this severity or higher exists (info, low, medium, high, critical)")
		load   = addLoadFlags(fs) // limits.go: --workers, --max-input, --max-profile, --max-goroutines
	)
	var modules list
	fs.Var(&modules, "module", "module path of the service's own code, comma-separated or repeated (default: the main module in a bundle's build info); pool advice points at its frames rather than at libraries it calls")
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "gdiag recommend: no input files")
		fs.Usage()
		return exitUsage
	}
	obj, err := objective(*budget, *head, *target)
	if err != nil {
		fmt.Fprintf(stderr, "gdiag recommend: %v\n", err)
		return exitUsage
	}
	threshold, err := severityFlag(*failOn)
	if err != nil {
		fmt.Fprintf(stderr, "gdiag recommend: --fail-on: %v\n", err)
		return exitUsage
	}
	if err := out.validate(); err != nil {
		fmt.Fprintf(stderr, "gdiag recommend: %v\n", err)
		return exitUsage
	}
	inputs, code := loadAll(files, stdin, stderr, load)
	if inputs == nil {
		return code
	}
	rep := analyzer.Analyze(inputs, analyzer.Options{Focus: analyzer.FocusRecommend, GC: obj, MainModules: modules})
	if !slices.ContainsFunc(rep.Sections, func(s report.Section) bool { return s.ID == gctune.SectionGCSummary }) {
		fmt.Fprintln(stderr, "gdiag recommend: no GC data in the inputs: give a bundle with a metrics history or a GODEBUG=gctrace=1 log")
		code = exitUsage
	}
	return finish("recommend", rep, out, stdout, stderr, code, threshold)
}

// objective validates the objective flags.
func objective(budget string, headroom, target float64) (gctune.Objective, error) {
	var o gctune.Objective
	if budget != "" {
		b, err := units.ParseBytes(budget)
		if err != nil || b <= 0 {
			return o, fmt.Errorf("--memory-budget %q: want a positive size such as 3GiB", budget)
		}
		o.MemoryBudgetBytes = b
	}
	if headroom <= 0 || headroom >= 1 {
		return o, fmt.Errorf("--headroom %v: want a share between 0 and 1", headroom)
	}
	if target <= 0 || target >= 1 {
		return o, fmt.Errorf("--gc-cpu-target %v: want a share between 0 and 1", target)
	}
	o.Headroom, o.TargetGCCPUShare = headroom, target
	return o, nil
}

// byteFlag is a size flag ("2GiB").
type byteFlag struct{ v int64 }

func (b *byteFlag) String() string {
	if b == nil || b.v == 0 {
		return ""
	}
	return units.MemLimit(b.v)
}

func (b *byteFlag) Set(s string) error {
	v, err := units.ParseBytes(s)
	if err != nil {
		return err
	}
	b.v = v
	return nil
}

var _ flag.Value = (*byteFlag)(nil)
