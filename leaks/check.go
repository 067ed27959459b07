package leaks

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// The check contract (see report.Result).
var (
	_ report.Result    = (*Result)(nil)
	_ report.CheckList = Checks
)

// Section IDs of the leak check. They are part of the JSON contract
// (docs/json.md).
const (
	// SectionLeaks sums up the verdicts and the evidence used.
	SectionLeaks = "leaks"
	// SectionGoroutineSummary counts the goroutines of the last snapshot by
	// blocking operation and by wait time.
	SectionGoroutineSummary = "goroutine-summary"
	// SectionTopBuckets lists the largest buckets of the last snapshot.
	SectionTopBuckets = "top-buckets"
	// SectionDiff lists every bucket's count in every snapshot (DiffSection).
	SectionDiff = "diff"
)

// Input is what Analyze reads: the goroutine snapshots of one process in
// time order, and Go's goroutineleak profiles of the last one's moment.
type Input struct {
	// Samples are the snapshots, oldest first; the last is judged, the
	// earlier ones give it a history (Diff). Unfiltered: Options.Filter is
	// applied by Analyze.
	Samples []Sample
	// Leaked are the goroutineleak profiles taken with the last sample.
	Leaked []*stack.Snapshot
	// ProfileOnly says the last sample is the goroutineleak profiles
	// themselves: no goroutine dump was given.
	ProfileOnly bool
	// GoVersion is the runtime version the snapshots came from
	// (runtime.Version() form, "" when unknown), for the advice on how to
	// get a goroutineleak profile.
	GoVersion string
}

// Result is the leak check's analysis of an Input, computed once by
// Analyze: the verdict on every bucket of the last snapshot and the history
// of the earlier ones.
type Result struct {
	// Judged is Find's verdict on every bucket of the last snapshot (benign,
	// active and ignored ones too), most important first.
	Judged []Finding
	// History is the snapshots' history; nil with fewer than two.
	History *History

	in     Input
	opts   Options
	leaked *stack.Snapshot // the goroutineleak profiles, merged
	last   Sample          // the last sample, filtered
	// cur is the last goroutine dump unfiltered (nil when only
	// goroutineleak profiles were given) and gs its filtered goroutines.
	cur *stack.Snapshot
	gs  []stack.Goroutine
}

// Analyze judges the last snapshot of in with the history of the earlier
// ones (Diff, then Find with Options.Leaked and Options.History taken from
// in). It never fails: the error is always nil, and an input without
// samples gives an empty Result. Pure.
func Analyze(in Input, opts Options) (*Result, error) {
	r := &Result{in: in}
	opts.Leaked, opts.History = nil, nil
	if len(in.Samples) == 0 {
		r.opts = opts
		return r, nil
	}
	ss := make([]Sample, len(in.Samples))
	for i, s := range in.Samples {
		s.Snapshot = filtered(s.Snapshot, opts.Filter)
		ss[i] = s
	}
	r.last = ss[len(ss)-1]
	if !in.ProfileOnly {
		r.cur = in.Samples[len(in.Samples)-1].Snapshot
		r.gs = r.last.Snapshot.Goroutines
	}
	r.leaked = mergeLeaked(in.Leaked)
	opts.Leaked = r.leaked
	if len(ss) > 1 {
		r.History = Diff(ss, DiffOptions{Similarity: opts.Similarity, TopFrames: opts.TopFrames})
		opts.History = r.History
	}
	r.opts = opts
	r.Judged = Find(r.last.Snapshot, opts)
	return r, nil
}

// Findings returns one finding per leak site (Merge: buckets that differ
// only below the blocking frame are one go statement leaking through other
// call paths), suspects and leaks only unless Options.All, ignored buckets
// never. Metrics keys are the Metric* constants.
func (r *Result) Findings() []report.Finding {
	if r == nil {
		return nil
	}
	least := Suspect
	if r.opts.All {
		least = Active
	}
	var out []report.Finding
	for _, f := range Merge(r.Judged) {
		if f.Verdict >= least && !f.Ignored {
			out = append(out, f.Report())
		}
	}
	return out
}

// Sections returns the "leaks" section (verdicts, the evidence used, how to
// get stronger evidence), then the "goroutine-summary" and "top-buckets"
// sections of the last goroutine dump; nil without samples.
func (r *Result) Sections() []report.Section {
	if r == nil || len(r.in.Samples) == 0 {
		return nil
	}
	out := []report.Section{r.leakSection()}
	if r.cur != nil {
		out = append(out, r.goroutineSummary(), r.topBuckets())
	}
	return out
}

// Warnings are problems with the input that did not stop the analysis.
func (r *Result) Warnings() []string {
	if r == nil || r.History == nil || r.History.Timed {
		return nil
	}
	return []string{"leaks: the goroutine dumps carry no capture times; growth is judged in the order the files were given"}
}

// DiffFindings are the findings of a comparison of snapshots (gdiag diff):
// only growth-backed verdicts (a finding whose evidence includes growth, or
// a proven leak), unless Options.All; per bucket, not merged. Without a
// history (fewer than two snapshots) they are Findings.
func (r *Result) DiffFindings() []report.Finding {
	if r == nil {
		return nil
	}
	if r.History == nil {
		var out []report.Finding
		for i := range r.Judged {
			if f := &r.Judged[i]; f.Verdict >= Suspect && !f.Ignored {
				out = append(out, f.Report())
			}
		}
		return out
	}
	var out []report.Finding
	for i := range r.Judged {
		f := &r.Judged[i]
		if f.Ignored {
			continue
		}
		if r.opts.All || (f.Verdict >= Suspect && (f.Verdict == Proven || hasGrowth(f))) {
			out = append(out, f.Report())
		}
	}
	return out
}

// DiffSections returns the "diff" section: the snapshots, and every bucket's
// count in each of them with its growth, status and site (the top
// Options.Top, DefaultDiffTop by default, growing first). Nil without a history.
func (r *Result) DiffSections() []report.Section {
	if r == nil || r.History == nil {
		return nil
	}
	sec := diffSection(r.History, r.opts)
	if c, ok := historyChart(r.History, r.opts.MainModules); ok {
		sec.Charts = append(sec.Charts, c)
	}
	return []report.Section{sec}
}

func hasGrowth(f *Finding) bool {
	for _, e := range f.Evidence {
		if e.Kind == EvidenceGrowth && e.Weight > 0 {
			return true
		}
	}
	return false
}

func (r *Result) leakSection() report.Section {
	sec := report.Section{ID: SectionLeaks, Title: "Goroutine leaks"}
	buckets := map[Verdict]int{}
	gs := map[Verdict]int{}
	ignored := 0
	for _, f := range r.Judged {
		if f.Ignored {
			ignored += f.Count
			continue
		}
		buckets[f.Verdict]++
		gs[f.Verdict] += f.Count
	}
	t := report.Table{Title: "Verdicts", Columns: []string{"verdict", "buckets", "goroutines"}}
	for v := Proven; v >= Active; v-- {
		if buckets[v] > 0 {
			t.Rows = append(t.Rows, []string{v.String(), units.Thousands(buckets[v]), units.Thousands(gs[v])})
		}
		if v == Active {
			break
		}
	}
	sec.Tables = append(sec.Tables, t)
	last, lk := r.last, r.leaked
	switch {
	case r.in.ProfileOnly && lk.Total == 0:
		sec.Notes = append(sec.Notes, "Go's goroutineleak profile lists no goroutine: the runtime proved no channel or sync leak (it cannot see leaks held by globals, timers or live goroutines, nor IO and sleeps)")
	case r.in.ProfileOnly:
		sec.Notes = append(sec.Notes, fmt.Sprintf("Go's goroutineleak profile alone: the runtime proved these %s goroutines leaked; give a goroutine dump (debug=2) with it to judge the others", units.Thousands(lk.Total)))
	case lk != nil:
		sec.Notes = append(sec.Notes, fmt.Sprintf("judged with Go's goroutineleak profile (%s goroutines proven leaked by the runtime)", units.Thousands(lk.Total)))
	case hasLeakedFlags(last.Snapshot):
		sec.Notes = append(sec.Notes, "judged with the runtime's \"(leaked)\" marks in the dump")
	default:
		sec.Notes = append(sec.Notes, "no goroutineleak profile: "+ProfileAdvice(r.in.GoVersion))
	}
	if !r.in.ProfileOnly && last.Snapshot.Format != stack.FormatText && last.Snapshot.Format != stack.FormatCrash {
		sec.Notes = append(sec.Notes, fmt.Sprintf("%s has no wait times or goroutine ids (%s): give a text dump (debug=2) for stronger evidence", last.Name, last.Snapshot.Format))
	}
	if r.History != nil {
		sec.Notes = append(sec.Notes, historyNote(r.History))
		if c, ok := historyChart(r.History, r.opts.MainModules); ok {
			sec.Charts = append(sec.Charts, c)
		}
	}
	if ignored > 0 {
		sec.Notes = append(sec.Notes, fmt.Sprintf("%s goroutines ignored by --ignore rules", units.Thousands(ignored)))
	}
	return sec
}

func historyNote(h *History) string {
	if h.Timed {
		return fmt.Sprintf("growth and age from %d snapshots over %s", len(h.Samples), h.Span.Round(time.Second))
	}
	return fmt.Sprintf("growth from %d snapshots in the order given (no capture times: rates per minute unknown)", len(h.Samples))
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

// filtered returns snap with only the goroutines re keeps (snap itself when
// re is nil).
func filtered(snap *stack.Snapshot, re *regexp.Regexp) *stack.Snapshot {
	if re == nil || snap == nil {
		return snap
	}
	c := *snap
	c.Goroutines = nil
	c.Total = 0
	for _, g := range snap.Goroutines {
		if matches(&g, re) {
			c.Goroutines = append(c.Goroutines, g)
			c.Total += g.Count
		}
	}
	return &c
}

func matches(g *stack.Goroutine, re *regexp.Regexp) bool {
	if re.MatchString(g.State) || re.MatchString(g.CreatedBy.Func) || re.MatchString(g.Op.String()) {
		return true
	}
	if g.Stack != nil {
		for _, f := range g.Stack.Frames {
			if re.MatchString(f.Func) || re.MatchString(f.File+":"+strconv.Itoa(f.Line)) {
				return true
			}
		}
	}
	for _, l := range g.Labels {
		if re.MatchString(l.Key + "=" + l.Value) {
			return true
		}
	}
	return false
}

// waitBuckets are the rows of the wait-time table. The runtime prints wait
// times only from one minute on, in whole minutes.
var waitBuckets = [...]struct {
	label string
	upTo  time.Duration
}{
	{"< 1 min or not shown", time.Minute},
	{"1–5 min", 5 * time.Minute},
	{"5–30 min", 30 * time.Minute},
	{"30–60 min", time.Hour},
	{"1–6 h", 6 * time.Hour},
	{"6–24 h", 24 * time.Hour},
	{"≥ 1 day", 1<<63 - 1},
}

func (r *Result) goroutineSummary() report.Section {
	snap, gs := r.cur, r.gs
	sec := report.Section{ID: SectionGoroutineSummary, Title: "Goroutines"}
	total := 0
	byOp := map[stack.Op]int{}
	maxWait := map[stack.Op]time.Duration{}
	byWait := make([]int, len(waitBuckets))
	for _, g := range gs {
		total += g.Count
		byOp[g.Op] += g.Count
		if g.Wait > maxWait[g.Op] {
			maxWait[g.Op] = g.Wait
		}
		for i, b := range waitBuckets {
			if g.Wait < b.upTo {
				byWait[i] += g.Count
				break
			}
		}
	}
	note := fmt.Sprintf("%s goroutines in a %s dump", units.Thousands(snap.Total), snap.Format)
	if r.opts.Filter != nil {
		note += fmt.Sprintf("; %s match the filter %q", units.Thousands(total), r.opts.Filter.String())
	}
	sec.Notes = append(sec.Notes, note)
	if snap.Reason != "" {
		sec.Notes = append(sec.Notes, "the process crashed with: "+snap.Reason)
	}
	if snap.Format == stack.FormatDebug1 && byOp[stack.OpUnknown] > 0 {
		// pprof's debug=1 text leaves out the runtime frames (gopark,
		// chanrecv, semacquire, …) that name the operation.
		sec.Notes = append(sec.Notes, fmt.Sprintf("%s goroutines have no known blocking operation: pprof's debug=1 text leaves out the runtime frames that name it; the debug=0 profile or debug=2 text has them", units.Thousands(byOp[stack.OpUnknown])))
	}
	ops := make([]stack.Op, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if byOp[ops[i]] != byOp[ops[j]] {
			return byOp[ops[i]] > byOp[ops[j]]
		}
		return ops[i] < ops[j]
	})
	opTable := report.Table{Title: "By blocking operation", Columns: []string{"operation", "goroutines", "share", "longest wait"}}
	for _, op := range ops {
		opTable.Rows = append(opTable.Rows, []string{op.String(), units.Thousands(byOp[op]), percent(byOp[op], total), units.Wait(maxWait[op])})
	}
	sec.Tables = append(sec.Tables, opTable)
	if snap.Format == stack.FormatText || snap.Format == stack.FormatCrash {
		wt := report.Table{Title: "By wait time", Columns: []string{"blocked for", "goroutines", "share"}}
		for i, b := range waitBuckets {
			if byWait[i] > 0 {
				wt.Rows = append(wt.Rows, []string{b.label, units.Thousands(byWait[i]), percent(byWait[i], total)})
			}
		}
		sec.Tables = append(sec.Tables, wt)
	}
	return sec
}

func (r *Result) topBuckets() report.Section {
	opts := r.opts
	buckets := stack.Group(r.gs, stack.GroupOptions{Similarity: opts.Similarity, TopFrames: opts.TopFrames})
	sec := report.Section{ID: SectionTopBuckets, Title: "Top goroutine buckets"}
	sec.Notes = append(sec.Notes, fmt.Sprintf("%s buckets at similarity %q", units.Thousands(len(buckets)), opts.Similarity))
	t := report.Table{Columns: []string{"#", "count", "state", "wait", "where", "created by"}}
	for i, b := range buckets {
		if i >= opts.top(DefaultTop) {
			break
		}
		t.Rows = append(t.Rows, []string{
			strconv.Itoa(i + 1), units.Thousands(b.Count), bucketState(b), units.WaitRange(b.MinWait, b.MaxWait),
			where(b.Stack, opts.MainModules), creator(b.CreationSite(r.gs)),
		})
	}
	sec.Tables = append(sec.Tables, t)
	return sec
}

func diffSection(h *History, opts Options) report.Section {
	sec := report.Section{ID: SectionDiff, Title: "Goroutine buckets over time"}
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
		if i >= opts.top(DefaultDiffTop) {
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

func bucketState(b stack.Bucket) string {
	op := b.Op.String()
	if b.State == "" || b.State == op {
		return op
	}
	return b.State
}

// where names the frame a leak finding about the bucket would point at
// (stack.Stack.FirstUserIn with the main modules), or the top frame when
// every frame is the runtime's or the standard library's.
func where(s *stack.Stack, mainModules []string) string {
	if s == nil || len(s.Frames) == 0 {
		return "?"
	}
	f, ok := s.FirstUserIn(mainModules)
	if !ok {
		f = s.Frames[0]
	}
	return cellFrame(f)
}

// cellFrame is a frame for a table cell: short function name and file.
func cellFrame(f stack.Frame) string {
	if f.File == "" {
		return symbol.ShortFunc(f.Func)
	}
	return fmt.Sprintf("%s (%s:%d)", symbol.ShortFunc(f.Func), symbol.ShortFile(f.File), f.Line)
}

func creator(f stack.Frame) string {
	if f.Func == "" {
		return "-"
	}
	return cellFrame(f)
}

func percent(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// ProfileAdvice says how to get Go's goroutineleak profile on the given Go
// version (runtime.Version() form, "" when unknown): Go 1.27 and later serve
// it at /debug/pprof/goroutineleak with nothing to build (and gdiag's
// collector puts it in every bundle); Go 1.26 needs
// GOEXPERIMENT=goroutineleakprofile; older versions do not have it.
func ProfileAdvice(goVersion string) string {
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
