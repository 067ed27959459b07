package collector

import (
	"fmt"
	"html/template"
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
	Charts        []template.HTML
}

// indexTemplate is parsed once; executing it does not change it.
var indexTemplate = template.Must(template.New("index").Parse(indexHTML))

const indexHTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gdiag collector · {{.Host}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}
.sub{color:#666}table{border-collapse:collapse}td,th{padding:.15em 1em .15em 0;text-align:left;vertical-align:top}
th{font-weight:600;color:#444}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{background:#f2f2f2;padding:0 .2em}.warn{color:#a40}.charts{display:flex;flex-wrap:wrap;gap:1em}
svg.chart{border:1px solid #ddd;background:#fcfcfc}svg.chart text{font:11px system-ui,sans-serif;fill:#444}
ul{padding-left:1.2em}li{margin:.15em 0}
</style></head>
<body><h1>gdiag collector</h1>
<p class="sub">{{.Host}} · pid {{.PID}} · {{.GoVersion}}</p>
<h2>Live state</h2>
<table>
<tr><th>goroutines</th><td class="n">{{.Goroutines}}</td></tr>
<tr><th>heap live / goal</th><td class="n">{{.HeapLive}} / {{.HeapGoal}}</td></tr>
<tr><th>GC CPU (last {{.Interval}})</th><td class="n">{{.GCCPU}}</td></tr>
<tr><th>GOGC</th><td class="n">{{.GOGC}}</td><td>{{.Settings.GOGC.Source}}</td></tr>
<tr><th>GOMEMLIMIT</th><td class="n">{{.GOMEMLIMIT}}</td><td>{{.Settings.GOMEMLIMIT.Source}}</td></tr>
<tr><th>GOMAXPROCS</th><td class="n">{{.GOMAXPROCS}}</td><td>{{.Settings.GOMAXPROCS.Source}}</td></tr>
<tr><th>metrics history</th><td class="n">{{.Samples}} samples</td><td>{{.History}}</td></tr>
<tr><th>flight recorder</th><td>{{if .FlightRunning}}running{{else}}off{{end}}</td><td class="warn">{{.FlightErr}}</td></tr>
<tr><th>watcher</th><td>{{if .Watching}}on{{else}}off{{end}}</td></tr>
<tr><th>block sampling</th><td>{{if .Sampling.BlockRateKnown}}on, rate {{.Sampling.BlockRate}} ns{{else}}not set by the collector{{end}}</td><td>{{.Sampling.BlockRecords}} stacks</td></tr>
<tr><th>mutex sampling</th><td>{{if gt .Sampling.MutexFraction 0}}on, 1/{{.Sampling.MutexFraction}}{{else}}off{{end}}</td><td>{{.Sampling.MutexRecords}} stacks</td></tr>
</table>
{{range .Sampling.Notes}}<p class="warn">{{.}}</p>{{end}}
<h2>Metrics history</h2>
<div class="charts">{{range .Charts}}{{.}}{{end}}</div>
<h2>Endpoints</h2>
<ul>
<li><a href="{{.Base}}bundle?seconds=5">bundle?seconds=5</a> — download a bundle (.gdiag zip). Parameters:
 <code>seconds</code> (CPU and wall-clock window, default 5), <code>ms</code> (the same in milliseconds),
 <code>include</code> (comma-separated: {{range $i, $p := .Parts}}{{if $i}}, {{end}}{{$p}}{{end}}),
 <code>full=1</code> (full goroutine dump even above the stop-the-world budget).</li>
<li><a href="{{.Base}}metrics">metrics</a> — metrics history as JSON; <code>seconds</code> keeps the last N seconds.</li>
</ul>
<p>Profiles for fleet profilers (net/http/pprof query semantics: <code>debug=</code>, <code>gc=</code>, <code>seconds=</code>):</p>
<ul>
{{range .Profiles}}<li><a href="{{$.Base}}pprof/{{.Name}}">pprof/{{.Name}}</a> — {{.Doc}}</li>
{{end}}</ul>
<p>Analyze a bundle with <code>gdiag analyze FILE</code>; capture one with <code>gdiag capture URL</code>.</p>
</body></html>
`

// serveIndex renders the index page; base is the mount path.
func (c *Collector) serveIndex(w http.ResponseWriter, _ *http.Request, base string) {
	cur, prev, _, ok2 := c.ring.last()
	hist := c.History(time.Time{})
	st := indexState{
		Base: base, Host: c.host, PID: c.pid, GoVersion: runtime.Version(),
		Goroutines: runtime.NumGoroutine(), HeapLive: mib(cur.HeapLiveBytes), HeapGoal: mib(cur.HeapGoalBytes),
		GCCPU: "–", Interval: c.cfg.interval, Samples: len(hist.Samples),
		Watching: c.watch != nil, FlightRunning: c.flight != nil, Parts: AllParts(),
		Sampling: c.samplingState(), Charts: charts(hist.Samples),
	}
	if len(hist.Samples) > 0 {
		st.History = "since " + hist.Samples[0].Time.UTC().Format("15:04:05") + " UTC, one per " + c.cfg.interval.String()
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
	cg, _ := readCgroup(os.DirFS("/")) // errors reach the error handler at capture time
	st.Settings = settings(os.LookupEnv, readSettings(), cg)
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
	if err := indexTemplate.Execute(w, st); err != nil {
		c.report(fmt.Errorf("collector: index: %w", err))
	}
}

// Name and Doc are the template's view of a scrapeProfile.
func (p scrapeProfile) Name() string { return p.name }

// Doc is what the profile holds.
func (p scrapeProfile) Doc() string { return p.doc }

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
func charts(s []bundle.MetricsSample) []template.HTML {
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
	out := make([]template.HTML, 0, len(defs))
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
func (d chart) svg(s []bundle.MetricsSample) template.HTML {
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
		return template.HTML(b.String())
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
	return template.HTML(b.String()) //nolint:gosec // numbers and fixed strings only
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
