package collector

import (
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// indexState is what the index page shows.
type indexState struct {
	Base          string // the mount path, ending in "/"
	Host          string
	PID           int
	GoVersion     string
	Goroutines    int
	HeapLive      string
	HeapGoal      string
	GCCPU         string
	Interval      time.Duration
	GOGC          string
	GOMEMLIMIT    string
	GOMAXPROCS    string
	Settings      bundle.Settings
	Samples       int
	History       string
	Watching      bool
	FlightRunning bool
	FlightErr     string
	Sampling      *bundle.Sampling
	Parts         []Part
	Profiles      []scrapeProfile
	Charts        []string // inline SVG built from numbers and fixed strings
	LeakWatch     bool
	LeakSummary   string
}

const indexStyle = `<style>
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}
.sub{color:#666}table{border-collapse:collapse}td,th{padding:.15em 1em .15em 0;text-align:left;vertical-align:top}
th{font-weight:600;color:#444}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{background:#f2f2f2;padding:0 .2em}.warn{color:#a40}.charts{display:flex;flex-wrap:wrap;gap:1em}
svg.chart{border:1px solid #ddd;background:#fcfcfc}svg.chart text{font:11px system-ui,sans-serif;fill:#444}
ul{padding-left:1.2em}li{margin:.15em 0}
</style>`

// writeIndex writes the index page for st. Every value from the process or
// the request is escaped with html.EscapeString: the collector links no
// template engine, so that services embedding it do not pay for
// html/template.
func writeIndex(w io.Writer, st indexState) error {
	e := func(v any) string { return html.EscapeString(fmt.Sprint(v)) }
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	row := func(th, td, extra string) {
		p("<tr><th>%s</th><td>%s</td><td>%s</td></tr>\n", th, td, extra)
	}
	onOff := func(on bool, yes string) string {
		if on {
			return yes
		}
		return "off"
	}
	p(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gdiag collector · %s</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
%s</head>
<body><h1>gdiag collector</h1>
<p class="sub">%s · pid %s · %s</p>
<h2>Live state</h2>
<table>
`, e(st.Host), indexStyle, e(st.Host), e(st.PID), e(st.GoVersion))
	p("<tr><th>goroutines</th><td class=\"n\">%s</td></tr>\n", e(st.Goroutines))
	p("<tr><th>heap live / goal</th><td class=\"n\">%s / %s</td></tr>\n", e(st.HeapLive), e(st.HeapGoal))
	p("<tr><th>GC CPU (last %s)</th><td class=\"n\">%s</td></tr>\n", e(st.Interval), e(st.GCCPU))
	row("GOGC", e(st.GOGC), e(st.Settings.GOGC.Source))
	row("GOMEMLIMIT", e(st.GOMEMLIMIT), e(st.Settings.GOMEMLIMIT.Source))
	row("GOMAXPROCS", e(st.GOMAXPROCS), e(st.Settings.GOMAXPROCS.Source))
	row("metrics history", e(st.Samples)+" samples", e(st.History))
	p("<tr><th>flight recorder</th><td>%s</td><td class=\"warn\">%s</td></tr>\n", onOff(st.FlightRunning, "running"), e(st.FlightErr))
	p("<tr><th>watcher</th><td>%s</td></tr>\n", onOff(st.Watching, "on"))
	if s := st.Sampling; s != nil {
		block, mutex := "not set by the collector", "off"
		if s.BlockRateKnown {
			block = "on, rate " + e(s.BlockRate) + " ns"
		}
		if s.MutexFraction > 0 {
			mutex = "on, 1/" + e(s.MutexFraction)
		}
		row("block sampling", block, e(s.BlockRecords)+" stacks")
		row("mutex sampling", mutex, e(s.MutexRecords)+" stacks")
	}
	b.WriteString("</table>\n")
	if st.Sampling != nil {
		for _, n := range st.Sampling.Notes {
			p("<p class=\"warn\">%s</p>\n", e(n))
		}
	}
	b.WriteString("<h2>Leak watch</h2>\n")
	if st.LeakWatch {
		p(`<p>%s</p>
<p><a href="%sleaks">leaks</a> — the current verdicts as JSON (the contract of <code>gdiag analyze --format json</code>);
 <code>verdict=active</code> lists every site.</p>
`, e(st.LeakSummary), e(st.Base))
	} else {
		b.WriteString("<p>off: add <code>collector.WithLeakWatch(w)</code> with a <code>leakwatch.Watch</code> to judge goroutine leaks live.</p>\n")
	}
	b.WriteString("<h2>Metrics history</h2>\n<div class=\"charts\">")
	for _, c := range st.Charts {
		b.WriteString(c)
	}
	parts := make([]string, len(st.Parts))
	for i, pt := range st.Parts {
		parts[i] = e(pt)
	}
	p(`</div>
<h2>Endpoints</h2>
<ul>
<li><a href="%[1]sbundle?seconds=5">bundle?seconds=5</a> — download a bundle (.gdiag zip). Parameters:
 <code>seconds</code> (CPU and wall-clock window, default 5), <code>ms</code> (the same in milliseconds),
 <code>include</code> (comma-separated: %[2]s),
 <code>full=1</code> (full goroutine dump even above the stop-the-world budget).</li>
<li><a href="%[1]shistory">history</a> — metrics history as JSON; <code>seconds</code> keeps the last N seconds.</li>
</ul>
<p>Profiles for fleet profilers (net/http/pprof query semantics: <code>debug=</code>, <code>gc=</code>, <code>seconds=</code>):</p>
<ul>
`, e(st.Base), strings.Join(parts, ", "))
	for _, pr := range st.Profiles {
		p("<li><a href=\"%[1]spprof/%[2]s\">pprof/%[2]s</a> — %[3]s</li>\n", e(st.Base), e(pr.name), e(pr.doc))
	}
	b.WriteString(`</ul>
<p>Analyze a bundle with <code>gdiag analyze FILE</code>; capture one with <code>gdiag capture URL</code>.</p>
</body></html>
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// serveIndex renders the index page; base is the mount path.
func (c *Collector) serveIndex(w http.ResponseWriter, _ *http.Request, base string) {
	cur, prev, _, ok2 := c.ring.last()
	samples, _ := c.ring.newest(time.Time{}, MaxMetricsResponseSamples)
	st := indexState{
		Base: base, Host: c.host, PID: c.pid, GoVersion: runtime.Version(),
		Goroutines: runtime.NumGoroutine(), HeapLive: mib(cur.HeapLiveBytes), HeapGoal: mib(cur.HeapGoalBytes),
		GCCPU: "–", Interval: c.cfg.interval, Samples: len(samples),
		Watching: c.watch != nil, FlightRunning: c.flight != nil, Parts: AllParts(),
		Sampling: c.samplingState(), Charts: charts(samples),
		LeakWatch: c.cfg.leakWatch != nil,
	}
	if st.LeakWatch {
		st.LeakSummary = c.cfg.leakWatch.Summary()
	}
	if len(samples) > 0 {
		st.History = "since " + samples[0].Time.UTC().Format("15:04:05") + " UTC, one per " + c.cfg.interval.String()
	}
	if c.flightErr != nil {
		st.FlightErr = c.flightErr.Error()
	}
	for _, p := range scrapeProfiles() {
		if p.name == "goroutineleak" && !hasLeakProfile() {
			continue
		}
		st.Profiles = append(st.Profiles, p)
	}
	if ok2 {
		st.GCCPU = fmt.Sprintf("%.2f %%", gcCPUPercent(prev, cur))
	}
	// The settings come from the newest metrics sample (the sampler reads
	// GOGC and GOMEMLIMIT anyway) and a cgroup read at most one interval
	// old, so that reloading the page costs no runtime or file reads.
	// Cgroup errors reach the error handler at capture time.
	cg, _ := c.cgroups.get(c.cfg.clock.Now())
	st.Settings = settings(os.LookupEnv, currentRuntime(cur), cg)
	st.GOGC = fmt.Sprintf("%d %%", st.Settings.GOGC.Value)
	if st.Settings.GOGC.Value < 0 {
		st.GOGC = "off"
	}
	st.GOMEMLIMIT = "no limit"
	if v := st.Settings.GOMEMLIMIT.Value; v > 0 && v < math.MaxInt64 {
		st.GOMEMLIMIT = mib(uint64(v))
	}
	st.GOMAXPROCS = fmt.Sprint(st.Settings.GOMAXPROCS.Value)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// The page loads nothing from anywhere: say so to the browser too.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	if err := writeIndex(w, st); err != nil {
		c.report(fmt.Errorf("collector: index: %w", err))
	}
}

func hasLeakProfile() bool { return pprofLookup("goroutineleak") }

// mib renders bytes in MiB with one decimal (KiB below 1 MiB).
func mib(b uint64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// chart is one small line chart of the metrics history.
type chart struct {
	title string
	unit  string // appended to the axis labels
	scale float64
	lines []chartLine
}

type chartLine struct {
	name  string
	color string
	value func(prev, cur *bundle.MetricsSample) float64
}

// charts draws the metrics history as inline SVG (no script, nothing
// loaded): goroutines, heap live and goal, GC CPU and scheduler latency.
func charts(s []bundle.MetricsSample) []string {
	defs := []chart{
		{title: "goroutines", lines: []chartLine{{"goroutines", "#36c", func(_, c *bundle.MetricsSample) float64 { return float64(c.Goroutines) }}}},
		{title: "heap", unit: " MiB", scale: 1.0 / (1 << 20), lines: []chartLine{
			{"live", "#36c", func(_, c *bundle.MetricsSample) float64 { return float64(c.HeapLiveBytes) }},
			{"goal", "#c63", func(_, c *bundle.MetricsSample) float64 { return float64(c.HeapGoalBytes) }}}},
		{title: "GC CPU", unit: " %", lines: []chartLine{{"GC CPU", "#393", func(p, c *bundle.MetricsSample) float64 {
			if p == nil {
				return math.NaN()
			}
			return gcCPUPercent(*p, *c)
		}}}},
		{title: "scheduler latency", unit: " ms", scale: 1e3, lines: []chartLine{
			{"p50", "#36c", func(_, c *bundle.MetricsSample) float64 { return c.SchedLatP50 }},
			{"p99", "#c33", func(_, c *bundle.MetricsSample) float64 { return c.SchedLatP99 }}}},
	}
	out := make([]string, 0, len(defs))
	for _, d := range defs {
		out = append(out, d.svg(s))
	}
	return out
}

// Chart geometry, in pixels.
const (
	chartW, chartH = 320, 130
	padL, padR     = 46, 8
	padT, padB     = 20, 18
)

// svg renders the chart. Values are computed server-side; the text is built
// from numbers and fixed strings only, so it needs no escaping.
func (d chart) svg(s []bundle.MetricsSample) string {
	scale := d.scale
	if scale == 0 {
		scale = 1
	}
	vals := make([][]float64, len(d.lines))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, l := range d.lines {
		vals[i] = make([]float64, len(s))
		for j := range s {
			var prev *bundle.MetricsSample
			if j > 0 {
				prev = &s[j-1]
			}
			v := l.value(prev, &s[j]) * scale
			vals[i][j] = v
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">`, d.title, chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<text x="4" y="13">%s`, d.title)
	for _, l := range d.lines {
		if len(d.lines) > 1 {
			fmt.Fprintf(&b, ` <tspan fill="%s">■ %s</tspan>`, l.color, l.name)
		}
	}
	b.WriteString(`</text>`)
	if math.IsInf(lo, 0) {
		fmt.Fprintf(&b, `<text x="%d" y="%d">no samples yet</text></svg>`, padL, chartH/2)
		return b.String()
	}
	lo = min(lo, 0)
	if hi <= lo {
		hi = lo + 1
	}
	pw, ph := float64(chartW-padL-padR), float64(chartH-padT-padB)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#bbb"/>`, padL, chartH-padB, chartW-padR, chartH-padB)
	fmt.Fprintf(&b, `<text x="2" y="%d">%s</text><text x="2" y="%d">%s</text>`, padT+8, axis(hi, d.unit), chartH-padB, axis(lo, d.unit))
	if n := len(s); n > 1 {
		span := s[n-1].Time.Sub(s[0].Time).Round(time.Second)
		fmt.Fprintf(&b, `<text x="%d" y="%d">−%v</text><text x="%d" y="%d" text-anchor="end">now</text>`, padL, chartH-4, span, chartW-padR, chartH-4)
	}
	for i, l := range d.lines {
		var pts strings.Builder
		for j, v := range vals[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			x := float64(padL)
			if len(s) > 1 {
				x += pw * float64(j) / float64(len(s)-1)
			}
			y := float64(padT) + ph*(1-(v-lo)/(hi-lo))
			fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, l.color, strings.TrimSpace(pts.String()))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// axis labels a value compactly.
func axis(v float64, unit string) string {
	switch a := math.Abs(v); {
	case a >= 100 || a == 0:
		return fmt.Sprintf("%.0f%s", v, unit)
	case a >= 1:
		return fmt.Sprintf("%.1f%s", v, unit)
	}
	return fmt.Sprintf("%.3f%s", v, unit)
}
