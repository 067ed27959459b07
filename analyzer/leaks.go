package analyzer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// LeakOptions tune the leak checks of Analyze and Diff. The zero value is the
// documented default.
type LeakOptions struct {
	// Find holds the thresholds and rules of leaks.Find (Ignore, Benign,
	// PileUp, PileUpLarge, LongWait, Quiescent). Similarity, TopFrames,
	// Leaked and History are set by Analyze from its inputs and options.
	Find leaks.Options
	// All reports every bucket, benign and active ones too (as info
	// findings); by default only suspects and leaks become findings.
	All bool
}

// leakSample is one goroutine snapshot of the inputs with what belongs to
// the same moment.
type leakSample struct {
	leaks.Sample
	leaked []*stack.Snapshot
	// profileOnly says the snapshot is the goroutineleak profiles
	// themselves: no goroutine dump was given.
	profileOnly bool
}

// leakSamples returns the inputs' goroutine snapshots in order, filtered
// like the rest of the report, each with the goroutineleak profiles of the
// same moment: the one inside the same bundle, and loose goroutineleak files
// given next to it (after it, or before the first dump).
func leakSamples(inputs []*Input, opts Options) []leakSample {
	var out []leakSample
	var pending []*stack.Snapshot // leak profiles before the first dump
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.Goroutines == nil {
			if in.Leaked == nil {
				continue
			}
			if len(out) == 0 {
				pending = append(pending, in.Leaked)
			} else {
				out[len(out)-1].leaked = append(out[len(out)-1].leaked, in.Leaked)
			}
			continue
		}
		s := leakSample{Sample: leaks.Sample{Name: in.Name, Snapshot: filtered(in.Goroutines, opts)}}
		if in.Manifest != nil {
			s.Time = in.Manifest.CapturedAt
		}
		if in.Leaked != nil {
			s.leaked = append(s.leaked, in.Leaked)
		}
		if len(out) == 0 {
			s.leaked = append(s.leaked, pending...)
		}
		out = append(out, s)
	}
	if len(out) == 0 && len(pending) > 0 {
		// Only goroutineleak profiles: the runtime's proof stands on its
		// own, every goroutine they list is a proven leak.
		var names []string
		for _, in := range inputs {
			if in != nil && in.Leaked != nil {
				names = append(names, in.Name)
			}
		}
		out = append(out, leakSample{Sample: leaks.Sample{Name: strings.Join(names, ", "),
			Snapshot: filtered(mergeLeaked(pending), opts)}, leaked: pending, profileOnly: true})
	}
	return out
}

// filtered returns snap with only the goroutines opts.Filter keeps.
func filtered(snap *stack.Snapshot, opts Options) *stack.Snapshot {
	if opts.Filter == nil || snap == nil {
		return snap
	}
	c := *snap
	c.Goroutines = filter(snap.Goroutines, opts.Filter)
	c.Total = 0
	for _, g := range c.Goroutines {
		c.Total += g.Count
	}
	return &c
}

// mergeLeaked joins goroutineleak profiles of one moment into one snapshot.
func mergeLeaked(ss []*stack.Snapshot) *stack.Snapshot {
	switch len(ss) {
	case 0:
		return nil
	case 1:
		return ss[0]
	}
	m := &stack.Snapshot{Format: ss[0].Format}
	for _, s := range ss {
		m.Goroutines = append(m.Goroutines, s.Goroutines...)
		m.Total += s.Total
	}
	return m
}

// findLeaks judges the last goroutine snapshot of the inputs with the
// history of the earlier ones. It returns nil findings when no input has
// goroutines.
func findLeaks(samples []leakSample, opts Options) ([]leaks.Finding, *leaks.History, leaks.Options) {
	if len(samples) == 0 {
		return nil, nil, leaks.Options{}
	}
	lo := opts.Leaks.Find
	lo.Similarity, lo.TopFrames, lo.MainModules = opts.Similarity, opts.TopFrames, opts.MainModules
	last := samples[len(samples)-1]
	lo.Leaked = mergeLeaked(last.leaked)
	var h *leaks.History
	if len(samples) > 1 {
		ss := make([]leaks.Sample, len(samples))
		for i, s := range samples {
			ss[i] = s.Sample
		}
		h = leaks.Diff(ss, leaks.DiffOptions{Similarity: opts.Similarity, TopFrames: opts.TopFrames})
		lo.History = h
	}
	return leaks.Find(last.Snapshot, lo), h, lo
}

// leakChecks runs the leak checks for Analyze: findings for suspects and
// leaks (every bucket with LeakOptions.All) and a section that sums up the
// verdicts and the evidence used.
func leakChecks(inputs []*Input, opts Options) ([]report.Section, []report.Finding, []string) {
	samples := leakSamples(inputs, opts)
	fs, h, lo := findLeaks(samples, opts)
	if len(samples) == 0 {
		return nil, nil, nil
	}
	min := leaks.Suspect
	if opts.Leaks.All {
		min = leaks.Active
	}
	sec := report.Section{ID: "leaks", Title: "Goroutine leaks"}
	var warns []string
	buckets := map[leaks.Verdict]int{}
	gs := map[leaks.Verdict]int{}
	ignored := 0
	for _, f := range fs {
		if f.Ignored {
			ignored += f.Count
			continue
		}
		buckets[f.Verdict]++
		gs[f.Verdict] += f.Count
	}
	t := report.Table{Title: "Verdicts", Columns: []string{"verdict", "buckets", "goroutines"}}
	for v := leaks.Proven; v >= leaks.Active; v-- {
		if buckets[v] > 0 {
			t.Rows = append(t.Rows, []string{v.String(), units.Thousands(buckets[v]), units.Thousands(gs[v])})
		}
		if v == leaks.Active {
			break
		}
	}
	sec.Tables = append(sec.Tables, t)
	last := samples[len(samples)-1]
	switch {
	case last.profileOnly && lo.Leaked.Total == 0:
		sec.Notes = append(sec.Notes, "Go's goroutineleak profile lists no goroutine: the runtime proved no channel or sync leak (it cannot see leaks held by globals, timers or live goroutines, nor IO and sleeps)")
	case last.profileOnly:
		sec.Notes = append(sec.Notes, fmt.Sprintf("Go's goroutineleak profile alone: the runtime proved these %s goroutines leaked; give a goroutine dump (debug=2) with it to judge the others", units.Thousands(lo.Leaked.Total)))
	case lo.Leaked != nil:
		sec.Notes = append(sec.Notes, fmt.Sprintf("judged with Go's goroutineleak profile (%s goroutines proven leaked by the runtime)", units.Thousands(lo.Leaked.Total)))
	case hasLeakedFlags(last.Snapshot):
		sec.Notes = append(sec.Notes, "judged with the runtime's \"(leaked)\" marks in the dump")
	default:
		sec.Notes = append(sec.Notes, "no goroutineleak profile: "+LeakProfileAdvice(goVersion(inputs)))
	}
	if !last.profileOnly && last.Snapshot.Format != stack.FormatText && last.Snapshot.Format != stack.FormatCrash {
		sec.Notes = append(sec.Notes, fmt.Sprintf("%s has no wait times or goroutine ids (%s): give a text dump (debug=2) for stronger evidence", last.Name, last.Snapshot.Format))
	}
	if h != nil {
		sec.Notes = append(sec.Notes, historyNote(h))
		if c, ok := leakHistoryChart(h, opts); ok { // charts.go
			sec.Charts = append(sec.Charts, c)
		}
		if !h.Timed {
			warns = append(warns, "leaks: the goroutine dumps carry no capture times; growth is judged in the order the files were given")
		}
	}
	if ignored > 0 {
		sec.Notes = append(sec.Notes, fmt.Sprintf("%s goroutines ignored by --ignore rules", units.Thousands(ignored)))
	}
	// One finding per leak site: buckets that differ only below the
	// blocking frame are the same go statement leaking through other call
	// paths.
	return []report.Section{sec}, leaks.Report(leaks.Merge(fs), min), warns
}

func historyNote(h *leaks.History) string {
	if h.Timed {
		return fmt.Sprintf("growth and age from %d snapshots over %s", len(h.Samples), h.Span.Round(time.Second))
	}
	return fmt.Sprintf("growth from %d snapshots in the order given (no capture times: rates per minute unknown)", len(h.Samples))
}

// leaksFirst moves the leak findings (check "leaks/…") before the others,
// keeping the order within each group. Run after report.Sort.
func leaksFirst(r *report.Report) {
	out := make([]report.Finding, 0, len(r.Findings))
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Check, "leaks/") {
			out = append(out, f)
		}
	}
	for _, f := range r.Findings {
		if !strings.HasPrefix(f.Check, "leaks/") {
			out = append(out, f)
		}
	}
	r.Findings = out
}

// Diff builds the report of `gdiag diff`: the inputs' goroutine snapshots in
// time order (capture times of bundles; the order given for loose dumps),
// each bucket's count in every snapshot, its growth per minute, new and
// vanished buckets and surviving goroutine ids, and the leak findings of
// the last snapshot judged with that history. Like Analyze it never fails;
// fewer than two snapshots is a warning.
func Diff(inputs []*Input, opts Options) *report.Report {
	r := &report.Report{Schema: report.SchemaVersion}
	var names []string
	for _, in := range inputs {
		if in == nil {
			continue
		}
		names = append(names, in.Name)
		r.Inputs = append(r.Inputs, describe(in))
		for _, w := range in.Warnings {
			r.Warnings = append(r.Warnings, w.Error())
		}
	}
	r.Title = "diff " + strings.Join(names, " → ")
	samples := leakSamples(inputs, opts)
	if len(samples) < 2 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("diff: %d goroutine snapshot(s) in the inputs; need two or more", len(samples)))
	}
	opts.MainModules = mainModules(inputs, opts)
	fs, h, _ := findLeaks(samples, opts)
	if h == nil {
		r.Findings = leaks.Report(fs, leaks.Suspect)
		r.Sort()
		return r
	}
	if !h.Timed {
		r.Warnings = append(r.Warnings, "diff: the inputs carry no capture times (loose dumps); they are taken in the order given and rates per minute are not computed")
	}
	// Only growth-backed verdicts belong in a diff (a finding whose
	// evidence includes growth, or a proven leak), unless every bucket was
	// asked for.
	for _, f := range fs {
		if f.Ignored {
			continue
		}
		if opts.Leaks.All || (f.Verdict >= leaks.Suspect && (f.Verdict == leaks.Proven || hasGrowth(f))) {
			r.Findings = append(r.Findings, f.Report())
		}
	}
	r.Sort()
	sec := diffSection(h, opts)
	if c, ok := leakHistoryChart(h, opts); ok { // charts.go
		sec.Charts = append(sec.Charts, c)
	}
	r.Sections = append(r.Sections, sec)
	addCharts(r, inputs)
	return r
}

func hasGrowth(f leaks.Finding) bool {
	for _, e := range f.Evidence {
		if e.Kind == leaks.EvidenceGrowth && e.Weight > 0 {
			return true
		}
	}
	return false
}

func diffSection(h *leaks.History, opts Options) report.Section {
	sec := report.Section{ID: "diff", Title: "Goroutine buckets over time"}
	sec.Notes = append(sec.Notes, historyNote(h))
	st := report.Table{Title: "Snapshots", Columns: []string{"#", "input", "captured", "goroutines"}}
	for i, s := range h.Samples {
		at := "-"
		if !s.Time.IsZero() {
			at = s.Time.UTC().Format(time.RFC3339)
		}
		st.Rows = append(st.Rows, []string{strconv.Itoa(i + 1), s.Name, at, units.Thousands(s.Total)})
	}
	sec.Tables = append(sec.Tables, st)
	n := len(h.Samples)
	bt := report.Table{Title: "Buckets (growing first)", Columns: []string{"counts", "change", "per min", "status", "where", "created by"}}
	var newB, gone int
	for i, b := range h.Buckets {
		if b.New {
			newB++
		}
		if b.Vanished {
			gone++
		}
		if i >= opts.top() {
			continue
		}
		counts := make([]string, n)
		for j, c := range b.Counts {
			counts[j] = units.Thousands(c)
		}
		per := "-"
		if h.Timed {
			per = fmt.Sprintf("%+.1f", b.PerMinute)
		}
		status := bucketState(b.Bucket)
		switch {
		case b.New:
			status += ", new"
		case b.Vanished:
			status += ", vanished"
		case b.Sustained:
			status += ", growing"
		}
		if b.Survivors > 0 {
			status += fmt.Sprintf(", %s same ids", units.Thousands(b.Survivors))
		}
		bt.Rows = append(bt.Rows, []string{strings.Join(counts, " → "), fmt.Sprintf("%+d", b.Growth), per, status,
			where(b.Bucket.Stack, opts.MainModules), creator(b.Bucket.CreatedBy)})
	}
	sec.Tables = append(sec.Tables, bt)
	sec.Notes = append(sec.Notes, fmt.Sprintf("%s buckets; %s new since the first snapshot, %s vanished by the last",
		units.Thousands(len(h.Buckets)), units.Thousands(newB), units.Thousands(gone)))
	return sec
}

// hasLeakedFlags reports whether any goroutine of snap carries the
// runtime's "(leaked)" mark.
func hasLeakedFlags(snap *stack.Snapshot) bool {
	for i := range snap.Goroutines {
		if snap.Goroutines[i].Flags&stack.FlagLeaked != 0 {
			return true
		}
	}
	return false
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

// LeakProfileAdvice says how to get Go's goroutineleak profile on the given
// Go version (runtime.Version() form, "" when unknown): Go 1.27 and later
// serve it at /debug/pprof/goroutineleak with nothing to build (and gdiag's
// collector puts it in every bundle); Go 1.26 needs
// GOEXPERIMENT=goroutineleakprofile; older versions do not have it.
func LeakProfileAdvice(goVersion string) string {
	const serve = "fetch /debug/pprof/goroutineleak (net/http/pprof) next to the dump, or capture a bundle with gdiag's collector, to prove channel and sync leaks"
	switch major, minor, ok := goMinor(goVersion); {
	case !ok:
		return "on Go 1.27+ " + serve + " (nothing to build); on Go 1.26 build with GOEXPERIMENT=goroutineleakprofile first"
	case major > 1 || minor >= 27:
		return goVersion + " has it, nothing to build: " + serve
	case minor == 26:
		return goVersion + ": build with GOEXPERIMENT=goroutineleakprofile (or move to Go 1.27+, which has it by default), then " + serve
	default:
		return goVersion + " has no goroutineleak profile: Go 1.27+ has it by default (Go 1.26 with GOEXPERIMENT=goroutineleakprofile)"
	}
}

// goMinor parses "go1.27.3", "go1.26.8 X:goroutineleakprofile" or
// "go1.27rc1" into its major and minor numbers.
func goMinor(v string) (major, minor int, ok bool) {
	v, found := strings.CutPrefix(v, "go")
	if !found {
		return 0, 0, false
	}
	maj, rest, found := strings.Cut(v, ".")
	if !found {
		return 0, 0, false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(rest[:end])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return a, b, true
}
