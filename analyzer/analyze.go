package analyzer

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// Options tune Analyze. The zero value is the documented default.
type Options struct {
	// Top is how many goroutine buckets the top-buckets table lists (0 = 10,
	// negative = all).
	Top int
	// Filter keeps only goroutines with a frame function, frame file:line,
	// creator, state or label ("key=value") that matches. Nil keeps all.
	Filter *regexp.Regexp
	// Similarity decides which goroutines share a bucket (default exact
	// function, file and line of every frame).
	Similarity stack.Similarity
	// TopFrames is N for stack.SimilarityTop (0 = 5).
	TopFrames int
	// Focus narrows the report (FocusRecommend: tuning advice only).
	Focus Focus
	// GC is the objective of the GC recommendations (zero: the defaults of
	// gctune.Objective).
	GC gctune.Objective
	// Leaks tunes the leak checks (thresholds, ignore rules); see leaks.go.
	Leaks LeakOptions
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

func (o Options) top() int {
	switch {
	case o.Top == 0:
		return 10
	case o.Top < 0:
		return int(^uint(0) >> 1)
	}
	return o.Top
}

// Analyze builds the report for inputs given in time order (the last
// goroutine dump is "now"). It never fails: problems with inputs become
// warnings in the report.
func Analyze(inputs []*Input, opts Options) *report.Report {
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
	r.Title = strings.Join(names, ", ")
	opts.MainModules = mainModules(inputs, opts)

	if cur := latestGoroutines(inputs); cur != nil && opts.Focus != FocusRecommend {
		gs := filter(cur.Goroutines, opts.Filter)
		buckets := stack.Group(gs, stack.GroupOptions{Similarity: opts.Similarity, TopFrames: opts.TopFrames})
		r.Sections = append(r.Sections, goroutineSummary(cur, gs, opts))
		r.Sections = append(r.Sections, topBuckets(buckets, gs, opts))
	}
	gcSecs, gcFindings, gcWarns := gcChecks(inputs, opts) // gc.go: GC summary, GOGC/GOMEMLIMIT/GOMAXPROCS advice
	r.Sections, r.Findings, r.Warnings = append(r.Sections, gcSecs...), append(r.Findings, gcFindings...), append(r.Warnings, gcWarns...)
	heapSecs, heapFindings, heapWarns := heapChecks(inputs, opts) // heap.go: heap sites, pool advice, pool hit rates
	r.Sections, r.Findings, r.Warnings = append(r.Sections, heapSecs...), append(r.Findings, heapFindings...), append(r.Warnings, heapWarns...)
	lockSecs, lockFindings, lockWarns := contentionChecks(inputs) // contention.go: mutex and block profile sites
	r.Sections, r.Findings, r.Warnings = append(r.Sections, lockSecs...), append(r.Findings, lockFindings...), append(r.Warnings, lockWarns...)
	if opts.Focus != FocusRecommend {
		leakSecs, leakFindings, leakWarns := leakChecks(inputs, opts) // leaks.go: verdicts, growth, goroutineleak profile
		r.Sections, r.Findings, r.Warnings = append(leakSecs, r.Sections...), append(r.Findings, leakFindings...), append(r.Warnings, leakWarns...)
	}
	linkLeakFindings(r) // gc.go
	r.Sort()
	leaksFirst(r)        // leaks.go: leak findings lead the report
	addCharts(r, inputs) // charts.go: metrics history, leak sites by creation time
	return r
}

// latestGoroutines returns the last input's goroutine snapshot.
func latestGoroutines(inputs []*Input) *stack.Snapshot {
	for i := len(inputs) - 1; i >= 0; i-- {
		if inputs[i] != nil && inputs[i].Goroutines != nil {
			return inputs[i].Goroutines
		}
	}
	return nil
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

// filter returns the goroutines that match re (all when re is nil).
func filter(gs []stack.Goroutine, re *regexp.Regexp) []stack.Goroutine {
	if re == nil {
		return gs
	}
	var out []stack.Goroutine
	for _, g := range gs {
		if matches(&g, re) {
			out = append(out, g)
		}
	}
	return out
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
var waitBuckets = []struct {
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

func goroutineSummary(snap *stack.Snapshot, gs []stack.Goroutine, opts Options) report.Section {
	sec := report.Section{ID: "goroutine-summary", Title: "Goroutines"}
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
	if opts.Filter != nil {
		note += fmt.Sprintf("; %s match the filter %q", units.Thousands(total), opts.Filter.String())
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

func topBuckets(buckets []stack.Bucket, gs []stack.Goroutine, opts Options) report.Section {
	sec := report.Section{ID: "top-buckets", Title: "Top goroutine buckets"}
	sec.Notes = append(sec.Notes, fmt.Sprintf("%s buckets at similarity %q", units.Thousands(len(buckets)), opts.Similarity))
	t := report.Table{Columns: []string{"#", "count", "state", "wait", "where", "created by"}}
	for i, b := range buckets {
		if i >= opts.top() {
			break
		}
		t.Rows = append(t.Rows, []string{
			strconv.Itoa(i + 1), units.Thousands(b.Count), bucketState(b), units.WaitRange(b.MinWait, b.MaxWait),
			where(b.Stack, opts.MainModules), creator(b.CreationSite(gs)),
		})
	}
	sec.Tables = append(sec.Tables, t)
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
	return frameString(f)
}

func frameString(f stack.Frame) string {
	if f.File == "" {
		return symbol.ShortFunc(f.Func)
	}
	return fmt.Sprintf("%s (%s:%d)", symbol.ShortFunc(f.Func), symbol.ShortFile(f.File), f.Line)
}

func creator(f stack.Frame) string {
	if f.Func == "" {
		return "-"
	}
	return frameString(f)
}

func percent(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}
