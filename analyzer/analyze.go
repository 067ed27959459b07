package analyzer

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/gdiag/gdiag/contention"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
)

// Options tune Analyze. The zero value is the documented default.
type Options struct {
	// Leaks tunes the leak check (leaks.Options): which goroutines share a
	// bucket (Similarity, TopFrames), the goroutine Filter, the table sizes
	// (Top), All, the thresholds and the ignore rules. Its MainModules is
	// set from MainModules below; leaks.Analyze takes Leaked and History
	// from the inputs.
	Leaks leaks.Options
	// Focus narrows the report (FocusRecommend: tuning advice only).
	Focus Focus
	// GC is the objective of the GC recommendations (zero: the defaults of
	// gctune.Objective).
	GC gctune.Objective
	// MainModules are the module paths of the service's own code. Findings
	// and "where" columns point at their innermost frame rather than at a
	// third-party library the service calls (a router's middleware, a
	// driver), and gdiag's own packages are never the service's code unless
	// named here. Empty: the main module of the last bundle's build info;
	// without one, the innermost frame outside the standard library.
	MainModules []string
}

// mainModules returns opts.MainModules, else the main module path recorded
// in the build info of the last input that is a bundle.
func mainModules(inputs []*Input, opts Options) []string {
	if len(opts.MainModules) > 0 {
		return opts.MainModules
	}
	for i := len(inputs) - 1; i >= 0; i-- {
		in := inputs[i]
		if in == nil || in.Manifest == nil || in.Manifest.BuildInfo == "" {
			continue
		}
		if bi, err := debug.ParseBuildInfo(in.Manifest.BuildInfo); err == nil && bi.Main.Path != "" {
			return []string{bi.Main.Path}
		}
	}
	return nil
}

// Analyze builds the report for inputs given in time order (the last
// goroutine dump is "now"). It never fails: problems with inputs become
// warnings in the report.
//
// It only loads, runs and orders: it runs each check once with facts
// computed once (one GC analysis per input, whose result also prices the
// heap check's pool advice), appends each check's sections and findings,
// and orders the findings with report.Sort, the documented order.
func Analyze(inputs []*Input, opts Options) *report.Report {
	r := header(inputs)
	r.Title = strings.Join(inputNames(inputs), ", ")
	opts.MainModules = mainModules(inputs, opts)
	gc := newGCFacts(inputs)

	var results []report.Result
	if opts.Focus != FocusRecommend {
		res, _ := leaks.Analyze(leakInput(inputs), leakOptions(opts)) // never fails
		results = append(results, res)
		r.Warnings = append(r.Warnings, res.Warnings()...)
	}
	gcRes, warns := gc.check(opts)
	r.Warnings = append(r.Warnings, warns...)
	if gcRes != nil { // a nil *gcCheck is not a nil report.Result
		results = append(results, gcRes)
	}
	heapRes, warns := heapCheck(inputs, gc, opts)
	r.Warnings = append(r.Warnings, warns...)
	if heapRes != nil {
		results = append(results, heapRes)
	}
	res, err := contention.Analyze(contentionInput(inputs), contention.Options{})
	r.Warnings = append(r.Warnings, errorLines(err)...)
	results = append(results, res)

	for _, res := range results {
		r.Sections = append(r.Sections, res.Sections()...)
		r.Findings = append(r.Findings, res.Findings()...)
	}
	linkLeakFindings(r)
	r.Sort()
	addCharts(r, inputs) // charts.go: metrics history, leak sites by creation time
	return r
}

// errorLines returns one warning per error joined in err (errors.Join).
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, errorLines(e)...)
		}
		return out
	}
	return []string{err.Error()}
}

// header starts a report with the inputs, described, and their warnings.
func header(inputs []*Input) *report.Report {
	r := &report.Report{Schema: report.SchemaVersion}
	for _, in := range inputs {
		if in == nil {
			continue
		}
		r.Inputs = append(r.Inputs, describe(in))
		for _, w := range in.Warnings {
			r.Warnings = append(r.Warnings, w.Error())
		}
	}
	return r
}

// inputNames are the names of the non-nil inputs, in order.
func inputNames(inputs []*Input) []string {
	var names []string
	for _, in := range inputs {
		if in != nil {
			names = append(names, in.Name)
		}
	}
	return names
}

func describe(in *Input) report.Input {
	ri := report.Input{Name: in.Name, Kind: string(in.Kind)}
	var parts []string
	if in.Manifest != nil {
		m := in.Manifest
		parts = append(parts, fmt.Sprintf("captured %s", m.CapturedAt.UTC().Format(time.RFC3339)))
		if m.GoVersion != "" {
			parts = append(parts, m.GoVersion)
		}
	}
	if s := in.Goroutines; s != nil {
		parts = append(parts, fmt.Sprintf("%s goroutines (%s)", units.Thousands(s.Total), s.Format))
	}
	if s := in.Leaked; s != nil {
		parts = append(parts, fmt.Sprintf("%s leaked by goroutineleak profile", units.Thousands(s.Total)))
	}
	if len(in.Profiles) > 0 {
		var ks []string
		for k := range in.Profiles {
			ks = append(ks, string(k))
		}
		sort.Strings(ks)
		parts = append(parts, "profiles: "+strings.Join(ks, ", "))
	}
	if in.Metrics != nil {
		parts = append(parts, fmt.Sprintf("%d metrics samples", len(in.Metrics.Samples)))
	}
	ri.Detail = strings.Join(parts, "; ")
	if len(in.Warnings) > 0 {
		ri.Error = fmt.Sprintf("%d problem(s), see warnings", len(in.Warnings))
	}
	return ri
}
