package analyzer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// leakInput assembles the leak check's input: the inputs' goroutine
// snapshots in order, the goroutineleak profiles of the last one's moment
// (the one inside the same bundle, and loose goroutineleak files given next
// to it: after it, or before the first dump) and the Go version.
func leakInput(inputs []*Input) leaks.Input {
	var out leaks.Input
	var pending, leaked []*stack.Snapshot // leak profiles before the first dump; of the current dump
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.Goroutines == nil {
			if in.Leaked == nil {
				continue
			}
			if len(out.Samples) == 0 {
				pending = append(pending, in.Leaked)
			} else {
				leaked = append(leaked, in.Leaked)
			}
			continue
		}
		s := leaks.Sample{Name: in.Name, Snapshot: in.Goroutines}
		if in.Manifest != nil {
			s.Time = in.Manifest.CapturedAt
		}
		leaked = nil
		if in.Leaked != nil {
			leaked = append(leaked, in.Leaked)
		}
		if len(out.Samples) == 0 {
			leaked = append(leaked, pending...)
		}
		out.Samples = append(out.Samples, s)
	}
	out.Leaked = leaked
	if len(out.Samples) == 0 && len(pending) > 0 {
		// Only goroutineleak profiles: the runtime's proof stands on its
		// own, every goroutine they list is a proven leak.
		var names []string
		for _, in := range inputs {
			if in != nil && in.Leaked != nil {
				names = append(names, in.Name)
			}
		}
		m := &stack.Snapshot{Format: pending[0].Format}
		for _, p := range pending {
			m.Goroutines = append(m.Goroutines, p.Goroutines...)
			m.Total += p.Total
		}
		out.Samples = []leaks.Sample{{Name: strings.Join(names, ", "), Snapshot: m}}
		out.Leaked, out.ProfileOnly = pending, true
	}
	out.GoVersion = goVersion(inputs)
	return out
}

// leakOptions are the leak check's options for opts.
func leakOptions(opts Options) leaks.Options {
	lo := opts.Leaks
	lo.MainModules = opts.MainModules
	return lo
}

// Diff builds the report of `gdiag diff`: the inputs' goroutine snapshots in
// time order, each bucket's count in every snapshot, its growth per minute,
// new and vanished buckets and surviving goroutine ids, and the leak
// findings of the last snapshot judged with that history. Snapshots are put
// in capture-time order when every one has a capture time (bundles; the
// ordering is said in a warning when it differs from the order given), else
// taken in the order given. Like Analyze it never fails; fewer than two
// snapshots is a warning.
func Diff(inputs []*Input, opts Options) *report.Report {
	inputs, reordered := byCaptureTime(inputs)
	r := header(inputs)
	r.Title = "diff " + strings.Join(inputNames(inputs), " → ")
	if reordered {
		r.Warnings = append(r.Warnings, "diff: inputs put in capture-time order: "+strings.Join(inputNames(inputs), " → "))
	}
	li := leakInput(inputs)
	if n := len(li.Samples); n < 2 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("diff: %d goroutine snapshot(s) in the inputs; need two or more", n))
	}
	opts.MainModules = mainModules(inputs, opts)
	res, _ := leaks.Analyze(li, leakOptions(opts)) // never fails
	if res.History != nil && !res.History.Timed {
		r.Warnings = append(r.Warnings, "diff: the inputs carry no capture times (loose dumps); they are taken in the order given and rates per minute are not computed")
	}
	r.Findings = res.DiffFindings()
	r.Sections = res.DiffSections()
	r.Sort()
	addCharts(r, inputs)
	return r
}

// byCaptureTime returns inputs sorted by capture time (stable) when every
// input that has a goroutine snapshot has a bundle capture time, and
// whether that changed the order. Otherwise (loose dumps) inputs stay in
// the order given.
func byCaptureTime(inputs []*Input) ([]*Input, bool) {
	var ins []*Input
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if (in.Goroutines != nil || in.Leaked != nil) && (in.Manifest == nil || in.Manifest.CapturedAt.IsZero()) {
			return inputs, false
		}
		ins = append(ins, in)
	}
	sorted := slices.Clone(ins)
	slices.SortStableFunc(sorted, func(a, b *Input) int {
		return captureTime(a).Compare(captureTime(b))
	})
	if slices.Equal(sorted, ins) {
		return inputs, false
	}
	return sorted, true
}

// captureTime is a bundle's capture time, zero for a loose file.
func captureTime(in *Input) time.Time {
	if in.Manifest == nil {
		return time.Time{}
	}
	return in.Manifest.CapturedAt
}

// goVersion returns the Go version the inputs were captured with (from a
// bundle's manifest), or "" when none says.
func goVersion(inputs []*Input) string {
	for i := len(inputs) - 1; i >= 0; i-- {
		if in := inputs[i]; in != nil && in.Manifest != nil && in.Manifest.GoVersion != "" {
			return in.Manifest.GoVersion
		}
	}
	return ""
}
