package analyzer

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
)

// This file turns what the inputs carry over time into report.Charts: the
// runtime/metrics history of bundles (section "metrics-history"), the
// goroutines of each leak site over the snapshots of a diff, and, within one
// bundle, the leaked goroutines of each site by when they were created.

// SectionMetricsHistory is the ID of the section that charts the inputs'
// runtime/metrics history (docs/json.md).
const SectionMetricsHistory = "metrics-history"

// maxChartSeries bounds the leak sites drawn in one chart (as in the leaks
// package's growth chart).
const maxChartSeries = leaks.MaxChartSeries

// addCharts appends the metrics-history section and, in the leaks section,
// the creation-time chart of the leak sites. It runs last in Analyze and
// Diff, on the finished findings.
func addCharts(r *report.Report, inputs []*Input) {
	if sec, ok := metricsSection(inputs); ok {
		r.Sections = append(r.Sections, sec)
	}
	for i := range r.Sections {
		if r.Sections[i].ID != leaks.SectionLeaks || hasChart(r.Sections[i], leaks.ChartLeakGrowth) {
			continue
		}
		if c, ok := leakCreationChart(r.Findings, inputs); ok {
			r.Sections[i].Charts = append(r.Sections[i].Charts, c)
		}
	}
}

func hasChart(s report.Section, id string) bool {
	return slices.ContainsFunc(s.Charts, func(c report.Chart) bool { return c.ID == id })
}

// timedSample is a metrics sample with the input it came from, so that
// counters are subtracted only within one process's history.
type timedSample struct {
	bundle.MetricsSample
	input int
}

// metricsSamples returns the samples of every input's metrics history in
// time order, samples at a time already seen dropped (bundles of one
// process captured close together share part of their history).
func metricsSamples(inputs []*Input) []timedSample {
	var out []timedSample
	for i, in := range inputs {
		if in == nil || in.Metrics == nil {
			continue
		}
		for _, s := range in.Metrics.Samples {
			if !s.Time.IsZero() {
				out = append(out, timedSample{s, i})
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Time.Before(out[b].Time) })
	return slices.CompactFunc(out, func(a, b timedSample) bool { return a.Time.Equal(b.Time) })
}

// metricsSection charts the inputs' runtime/metrics history: goroutines by
// state, heap and memory against the limits, GC CPU share, GC pauses and
// scheduling latency. It reports false when no input has a history.
func metricsSection(inputs []*Input) (report.Section, bool) {
	ss := metricsSamples(inputs)
	if len(ss) == 0 {
		return report.Section{}, false
	}
	x := make([]float64, len(ss))
	for i, s := range ss {
		x[i] = unixSeconds(s.Time)
	}
	sec := report.Section{ID: SectionMetricsHistory, Title: "Metrics history"}
	span := ss[len(ss)-1].Time.Sub(ss[0].Time)
	sec.Notes = append(sec.Notes, fmt.Sprintf("%s runtime/metrics samples over %s, from %s to %s UTC",
		units.Thousands(len(ss)), span.Round(time.Millisecond), ss[0].Time.UTC().Format("15:04:05"), ss[len(ss)-1].Time.UTC().Format("15:04:05")))
	chart := func(id, title, unit string, series []report.Series, notes ...string) report.Chart {
		return report.Chart{ID: id, Title: title, Unit: unit, X: x, XUnit: report.XTime, Series: series, Notes: notes}
	}
	gauge := func(name string, f func(s *timedSample) (float64, bool)) report.Series {
		v := make(report.Values, len(ss))
		for i := range ss {
			if y, ok := f(&ss[i]); ok {
				v[i] = y
			} else {
				v[i] = math.NaN()
			}
		}
		return report.Series{Name: name, Values: v}
	}
	// rate is the change of num over the change of den between a sample
	// and the one before it in the same history.
	rate := func(name string, num, den func(s *timedSample) float64) report.Series {
		return gauge(name, func(s *timedSample) (float64, bool) {
			i := int(indexOf(ss, s))
			if i == 0 || ss[i-1].input != s.input {
				return 0, false
			}
			dn, dd := num(s)-num(&ss[i-1]), den(s)-den(&ss[i-1])
			if dd <= 0 || dn < 0 {
				return 0, false
			}
			return min(dn/dd, 1), true
		})
	}
	always := func(f func(s *timedSample) float64) func(s *timedSample) (float64, bool) {
		return func(s *timedSample) (float64, bool) { return f(s), true }
	}

	// Goroutines: by state where the runtime reports states (Go 1.26+).
	var gs []report.Series
	gs = append(gs, gauge("total", always(func(s *timedSample) float64 { return float64(s.Goroutines) })))
	byState := []struct {
		name string
		f    func(s *timedSample) uint64
	}{
		{"waiting", func(s *timedSample) uint64 { return s.GoroutinesWaiting }},
		{"runnable", func(s *timedSample) uint64 { return s.GoroutinesRunnable }},
		{"running", func(s *timedSample) uint64 { return s.GoroutinesRunning }},
		{"in syscalls or cgo", func(s *timedSample) uint64 { return s.GoroutinesNotInGo }},
	}
	for _, st := range byState {
		if slices.ContainsFunc(ss, func(s timedSample) bool { return st.f(&s) > 0 }) {
			gs = append(gs, gauge(st.name, always(func(s *timedSample) float64 { return float64(st.f(s)) })))
		}
	}
	var gnotes []string
	if len(gs) == 1 {
		gnotes = append(gnotes, "the runtime reports goroutines by state from Go 1.26 on")
	}
	sec.Charts = append(sec.Charts, chart("goroutines", "Goroutines by state", report.UnitCount, gs, gnotes...))

	// Memory: heap live and goal, the runtime's total, RSS at capture and
	// the limits.
	mem := []report.Series{
		gauge("heap live", always(func(s *timedSample) float64 { return float64(s.HeapLiveBytes) })),
		gauge("heap goal", always(func(s *timedSample) float64 { return float64(s.HeapGoalBytes) })),
		gauge("Go runtime total", always(func(s *timedSample) float64 { return float64(s.TotalMemoryBytes) })),
	}
	memNotes := []string{"Go runtime total is /memory/classes/total: all memory the runtime mapped (heap, stacks, metadata), close to the RSS of a pure-Go process"}
	if slices.ContainsFunc(ss, func(s timedSample) bool { return s.GOMEMLIMIT > 0 && s.GOMEMLIMIT < math.MaxInt64 }) {
		lim := gauge("GOMEMLIMIT", func(s *timedSample) (float64, bool) {
			return float64(s.GOMEMLIMIT), s.GOMEMLIMIT > 0 && s.GOMEMLIMIT < math.MaxInt64
		})
		lim.Limit = true
		mem = append(mem, lim)
	} else {
		memNotes = append(memNotes, "no GOMEMLIMIT set")
	}
	rss := make(report.Values, len(ss))
	cgroupLimit := make(report.Values, len(ss))
	anyRSS, anyCgroup := false, false
	for i := range rss {
		rss[i], cgroupLimit[i] = math.NaN(), math.NaN()
	}
	for i, s := range ss {
		in := inputs[s.input]
		if in.Manifest == nil {
			continue
		}
		if l := cgroupMemoryLimit(in.Manifest); l > 0 {
			cgroupLimit[i], anyCgroup = float64(l), true
		}
		if p := in.Manifest.Process; p != nil && p.RSSBytes > 0 && nearestSample(ss, s.input, in.Manifest.CapturedAt) == i {
			rss[i], anyRSS = float64(p.RSSBytes), true
		}
	}
	if anyRSS {
		mem = append(mem, report.Series{Name: "RSS at capture", Values: rss})
	}
	if anyCgroup {
		mem = append(mem, report.Series{Name: "cgroup memory limit", Values: cgroupLimit, Limit: true})
	}
	sec.Charts = append(sec.Charts, chart("memory", "Heap and memory against the limits", report.UnitBytes, mem, memNotes...))

	// GC CPU: the share of the CPU the service used (busy: not idle) that
	// went to the GC, and to assists (the GC taxing allocating goroutines).
	busy := func(s *timedSample) float64 { return s.CPUTotalSeconds - s.CPUIdleSeconds }
	sec.Charts = append(sec.Charts, chart("gc-cpu", "GC share of the CPU in use", report.UnitShare, []report.Series{
		rate("GC total", func(s *timedSample) float64 { return s.GCTotalSeconds }, busy),
		rate("GC assists", func(s *timedSample) float64 { return s.GCAssistSeconds }, busy),
	}, "per sample interval: GC CPU seconds (/cpu/classes/gc/total) over CPU seconds not idle"))

	// Pauses and scheduling latency, per interval (no value where no
	// event fell in it).
	pause := func(f func(s *timedSample) float64) func(s *timedSample) (float64, bool) {
		return func(s *timedSample) (float64, bool) { return f(s), s.GCPauses > 0 && f(s) > 0 }
	}
	positive := func(f func(s *timedSample) float64) func(s *timedSample) (float64, bool) {
		return func(s *timedSample) (float64, bool) { return f(s), f(s) > 0 }
	}
	sec.Charts = append(sec.Charts, chart("latency", "GC pauses and scheduling latency", report.UnitSeconds, []report.Series{
		gauge("GC pause p99", pause(func(s *timedSample) float64 { return s.GCPauseP99 })),
		gauge("GC pause max", pause(func(s *timedSample) float64 { return s.GCPauseMax })),
		gauge("scheduling latency p99", positive(func(s *timedSample) float64 { return s.SchedLatP99 })),
		gauge("scheduling latency max", positive(func(s *timedSample) float64 { return s.SchedLatMax })),
	}, "per sample interval; scheduling latency is how long runnable goroutines waited for a thread (/sched/latencies)"))
	return sec, true
}

// indexOf returns the index of s, an element of ss.
func indexOf(ss []timedSample, s *timedSample) int {
	return sort.Search(len(ss), func(i int) bool { return !ss[i].Time.Before(s.Time) })
}

// nearestSample returns the index of input's sample closest to t, -1 when it
// has none.
func nearestSample(ss []timedSample, input int, t time.Time) int {
	best, bestD := -1, time.Duration(math.MaxInt64)
	for i, s := range ss {
		if s.input != input {
			continue
		}
		d := s.Time.Sub(t)
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// cgroupMemoryLimit returns the smallest memory limit of the process's
// cgroups, 0 when none is set.
func cgroupMemoryLimit(m *bundle.Manifest) int64 {
	var l int64
	if m.Cgroup == nil {
		return 0
	}
	for _, lv := range m.Cgroup.Levels {
		if lv.MemoryLimitBytes > 0 && (l == 0 || lv.MemoryLimitBytes < l) {
			l = lv.MemoryLimitBytes
		}
	}
	return l
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// leakCreationChart draws, for the leak findings of one snapshot, how many
// of each site's goroutines had been created by each moment of the metrics
// history. The runtime numbers goroutines in creation order (ids are handed
// to each P in batches of 16), and /sched/goroutines-created counts them,
// so an id dates its goroutine to the sample where the counter passed it.
// Goroutines from before the history are counted at its first sample.
func leakCreationChart(findings []report.Finding, inputs []*Input) (report.Chart, bool) {
	var in *Input
	for i := len(inputs) - 1; i >= 0; i-- {
		if inputs[i] != nil && inputs[i].Goroutines != nil {
			in = inputs[i]
			break
		}
	}
	if in == nil || in.Metrics == nil || in.Manifest == nil || in.Manifest.CapturedAt.IsZero() {
		return report.Chart{}, false
	}
	at := in.Manifest.CapturedAt
	var ss []bundle.MetricsSample
	for _, s := range in.Metrics.Samples {
		if s.GoroutinesCreated > 0 && s.Time.Before(at) && (len(ss) == 0 || s.Time.After(ss[len(ss)-1].Time)) {
			ss = append(ss, s)
		}
	}
	if len(ss) < 2 {
		return report.Chart{}, false
	}
	c := report.Chart{ID: leaks.ChartLeakGrowth, Title: "Leaked goroutines of each site, by when they were created", Unit: report.UnitCount, XUnit: report.XTime}
	for _, s := range ss {
		c.X = append(c.X, unixSeconds(s.Time))
	}
	c.X = append(c.X, unixSeconds(at))
	sites := 0
	var verdicts []string
	for _, f := range findings {
		if !strings.HasPrefix(f.Check, "leaks/") || len(f.GoroutineIDs) == 0 {
			continue
		}
		sites++
		if len(c.Series) == maxChartSeries {
			continue
		}
		ids := slices.Sorted(slices.Values(f.GoroutineIDs))
		v := make(report.Values, 0, len(c.X))
		for _, s := range ss {
			n, _ := slices.BinarySearch(ids, int64(s.GoroutinesCreated)+1)
			v = append(v, float64(n))
		}
		v = append(v, float64(len(ids)))
		name := symbol.ShortFunc(f.Function)
		if name == "" {
			name = f.Title
		}
		c.Series = append(c.Series, report.Series{Name: name, Values: v})
		verdicts = append(verdicts, f.Verdict)
	}
	// One function can be two findings (the goroutines the runtime proved
	// leaked, and the rest): the verdict tells them apart.
	seen := map[string]int{}
	for _, s := range c.Series {
		seen[s.Name]++
	}
	for i := range c.Series {
		if seen[c.Series[i].Name] > 1 && verdicts[i] != "" {
			c.Series[i].Name += " (" + verdicts[i] + ")"
		}
	}
	if len(c.Series) == 0 {
		return report.Chart{}, false
	}
	c.Notes = append(c.Notes, "goroutines still blocked at capture, counted by creation time: the runtime numbers goroutines in creation order, dated here against /sched/goroutines-created of the metrics history (to within 16 per P); those created before the history are counted at its start")
	if sites > len(c.Series) {
		c.Notes = append(c.Notes, fmt.Sprintf("the %d largest of %d leak sites", len(c.Series), sites))
	}
	return c, true
}
