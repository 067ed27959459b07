package html

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/internal/display"
)

var (
	//go:embed page.tmpl
	pageTmpl string
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string
	//go:embed vendor/uPlot.iife.min.js
	uplotJS string
	//go:embed vendor/uPlot.min.css
	uplotCSS string
)

// Write writes r as one self-contained HTML page that opens offline: inline
// CSS and scripts (the vendored uPlot chart library, see vendor/VERSION),
// nothing fetched. The page starts with a summary (findings by severity and
// the three things to do first, each linked to its finding) and a table of
// contents, then the charts of every report.Chart in r's sections (metrics
// history, leak-site growth) and the heap sites, the findings (in their
// current order; call r.Sort first) one line each, expandable, and the
// sections as tables. Chart data travels as JSON in a <script
// type="application/json"> block; every string from the report is escaped
// by html/template, so a hostile goroutine label or function name cannot
// inject markup or script.
//
// Write does not modify r. It returns the first write error.
func Write(w io.Writer, r *report.Report) error {
	c := r.Normalized()
	bw := bufio.NewWriter(w)
	if err := pageTemplate.Execute(bw, htmlView(&c)); err != nil {
		return fmt.Errorf("report: writing html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: writing html: %w", err)
	}
	return nil
}

type htmlPage struct {
	R        *report.Report
	Counts   []sevCount
	Actions  []action
	TOC      []tocEntry
	Findings []htmlFinding
	Sections []htmlSection
	// Charts are the report's charts, drawn at the top in this order; Data
	// is what page.js draws them from.
	Charts []chartRef
	Data   pageData
	// HeapSites are the top rows of the heap-sites section as bars.
	HeapSites []heapBar
	// NoCharts says why no chart is drawn ("" when there are charts).
	NoCharts string
	CSS      template.CSS
	JS       template.JS
}

type sevCount struct {
	Severity report.Severity
	N        int
}

// action is one of the things to do first: a finding's suggestion.
type action struct {
	Finding *htmlFinding
	// More counts the other findings of the same check (the same fix).
	More int
}

type tocEntry struct{ ID, Title, Detail string }

type htmlFinding struct {
	report.Finding
	Anchor  string
	Where   string
	Short   string // the function, without its import path
	IDs     string
	Labels  string
	Metrics []metricKV
}

type metricKV struct{ Key, Value string }

type htmlSection struct {
	report.Section
	Anchor string
	Tables []htmlTable
	// ChartTitles name the section's charts, drawn at the top.
	ChartTitles []string
}

type htmlTable struct {
	Title   string
	Columns []string
	Rows    [][]htmlCell
	Numeric []bool
}

type htmlCell struct {
	Text string
	// Bar is the cell's share of its column's largest value (0 for none),
	// for columns of byte sizes.
	Bar float64
}

type chartRef struct {
	ID, Title, Section string
	Notes              []string
}

type heapBar struct {
	Site, Alloc, InUse string
	AllocPct, InUsePct float64
}

// pageData is the JSON the page's script reads.
type pageData struct {
	Charts []pageChart `json:"charts"`
}

type pageChart struct {
	DOMID string `json:"dom_id"`
	report.Chart
}

// chartOrder puts the charts a paged engineer looks at first first.
var chartOrder = map[string]int{"goroutines": 0, "leak-growth": 1, "memory": 2, "gc-cpu": 3, "latency": 4}

func htmlView(r *report.Report) htmlPage {
	p := htmlPage{R: r, CSS: template.CSS(uplotCSS + "\n" + pageCSS), JS: template.JS(uplotJS + "\n" + pageJS)}
	var bySev [report.SeverityCritical + 1]int
	for i, f := range r.Findings {
		if f.Severity >= 0 && f.Severity <= report.SeverityCritical {
			bySev[f.Severity]++
		}
		hf := htmlFinding{Finding: f, Anchor: fmt.Sprintf("finding-%d", i+1), Where: display.Where(f.Function, f.Location)}
		hf.Short = shortWhere(f)
		if len(f.GoroutineIDs) > 0 {
			hf.IDs = display.IDList(f.GoroutineIDs, 50)
		}
		hf.Labels = display.LabelCounts(f.Labels, len(f.Labels))
		for _, k := range slices.Sorted(maps.Keys(f.Metrics)) {
			hf.Metrics = append(hf.Metrics, metricKV{k, display.Metric(k, f.Metrics[k])})
		}
		p.Findings = append(p.Findings, hf)
	}
	for s := report.SeverityCritical; s >= report.SeverityInfo; s-- {
		if bySev[s] > 0 {
			p.Counts = append(p.Counts, sevCount{s, bySev[s]})
		}
	}
	p.Actions = actions(p.Findings, 3)

	type sectionChart struct {
		c   report.Chart
		sec string
	}
	var charts []sectionChart
	for _, s := range r.Sections {
		hs := htmlSection{Section: s, Anchor: "section-" + s.ID}
		for _, c := range s.Charts {
			if len(c.X) == 0 || len(c.Series) == 0 {
				continue
			}
			charts = append(charts, sectionChart{c, hs.Anchor})
			hs.ChartTitles = append(hs.ChartTitles, c.Title)
		}
		for _, t := range s.Tables {
			hs.Tables = append(hs.Tables, tableView(t))
		}
		if s.ID == "heap-sites" && len(s.Tables) > 0 {
			p.HeapSites = heapBars(s.Tables[0], 8)
		}
		p.Sections = append(p.Sections, hs)
	}
	slices.SortStableFunc(charts, func(a, b sectionChart) int {
		oa, ok := chartOrder[a.c.ID]
		if !ok {
			oa = len(chartOrder)
		}
		ob, ok := chartOrder[b.c.ID]
		if !ok {
			ob = len(chartOrder)
		}
		return oa - ob
	})
	p.Data.Charts = []pageChart{}
	for i, sc := range charts {
		id := fmt.Sprintf("chart-%d-%s", i+1, sc.c.ID)
		p.Charts = append(p.Charts, chartRef{ID: id, Title: sc.c.Title, Section: sc.sec, Notes: sc.c.Notes})
		p.Data.Charts = append(p.Data.Charts, pageChart{DOMID: id, Chart: sc.c})
	}
	if len(p.Charts) == 0 {
		p.NoCharts = noChartsReason(r)
	}

	p.TOC = append(p.TOC, tocEntry{"summary", "Summary", ""})
	p.TOC = append(p.TOC, tocEntry{"charts", "Charts", units.Thousands(len(p.Charts))})
	if len(p.Findings) > 0 {
		p.TOC = append(p.TOC, tocEntry{"findings", "Findings", units.Thousands(len(p.Findings))})
	}
	for _, s := range p.Sections {
		t := s.Title
		if t == "" {
			t = s.ID
		}
		p.TOC = append(p.TOC, tocEntry{s.Anchor, t, ""})
	}
	if len(r.Warnings) > 0 {
		p.TOC = append(p.TOC, tocEntry{"warnings", "Warnings", units.Thousands(len(r.Warnings))})
	}
	return p
}

// actions picks the first n findings with a suggestion, one per check (the
// same check gives the same advice), most severe first as the findings are
// ordered.
func actions(fs []htmlFinding, n int) []action {
	var out []action
	seen := map[string]int{}
	for i := range fs {
		f := &fs[i]
		if f.Suggestion == "" {
			continue
		}
		if j, ok := seen[f.Check]; ok {
			if j >= 0 {
				out[j].More++
			}
			continue
		}
		if len(out) == n {
			seen[f.Check] = -1
			continue
		}
		seen[f.Check] = len(out)
		out = append(out, action{Finding: f})
	}
	return out
}

// shortWhere is the finding's function without its import path and its
// file:line without the directory, for the one-line view.
func shortWhere(f report.Finding) string {
	fn := f.Function
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	loc := f.Location
	if i := strings.LastIndex(loc, "/"); i >= 0 {
		loc = loc[i+1:]
	}
	return display.Where(fn, loc)
}

func tableView(t report.Table) htmlTable {
	ncol := len(t.Columns)
	for _, row := range t.Rows {
		ncol = max(ncol, len(row))
	}
	ht := htmlTable{Title: t.Title, Columns: display.Pad(t.Columns, ncol), Numeric: make([]bool, ncol)}
	if len(t.Columns) == 0 {
		ht.Columns = nil
	}
	rows := make([][]string, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = display.Pad(row, ncol)
	}
	for i := range ht.Numeric {
		ht.Numeric[i] = display.NumericColumn(rows, i)
	}
	// Columns of byte sizes get bars: the eye finds the big ones.
	bars := make([][]float64, ncol)
	for i := range ncol {
		if ht.Numeric[i] {
			bars[i] = byteColumn(rows, i)
		}
	}
	for r, row := range rows {
		cells := make([]htmlCell, ncol)
		for i, c := range row {
			cells[i].Text = c
			if bars[i] != nil {
				cells[i].Bar = bars[i][r]
			}
		}
		ht.Rows = append(ht.Rows, cells)
	}
	return ht
}

// byteColumn returns each cell of column i as a share of the column's
// largest, or nil unless every non-empty cell is a byte size ("31.4 MiB").
func byteColumn(rows [][]string, i int) []float64 {
	v := make([]float64, len(rows))
	top := 0.0
	for r, row := range rows {
		c := strings.TrimSpace(row[i])
		if c == "" || c == "-" {
			continue
		}
		if !strings.HasSuffix(c, "B") {
			return nil
		}
		n, err := units.ParseBytes(strings.ReplaceAll(c, " ", ""))
		if err != nil {
			return nil
		}
		v[r] = float64(n)
		top = max(top, v[r])
	}
	if top == 0 {
		return nil
	}
	for r := range v {
		v[r] = math.Round(1000*v[r]/top) / 10
	}
	return v
}

// heapBars reads the top n rows of the heap-sites table: the site, its
// bytes allocated and in use, scaled to the largest of either.
func heapBars(t report.Table, n int) []heapBar {
	site, alloc, inuse := slices.Index(t.Columns, "Site"), slices.Index(t.Columns, "Alloc"), slices.Index(t.Columns, "In use")
	if site < 0 || alloc < 0 || inuse < 0 {
		return nil
	}
	var out []heapBar
	var top float64
	vals := make([][2]float64, 0, n)
	for _, row := range t.Rows {
		if len(out) == n {
			break
		}
		if len(row) <= max(site, alloc, inuse) {
			continue
		}
		a, errA := units.ParseBytes(strings.ReplaceAll(row[alloc], " ", ""))
		u, errU := units.ParseBytes(strings.ReplaceAll(row[inuse], " ", ""))
		if errA != nil || errU != nil {
			continue
		}
		out = append(out, heapBar{Site: row[site], Alloc: row[alloc], InUse: row[inuse]})
		vals = append(vals, [2]float64{float64(a), float64(u)})
		top = max(top, float64(a), float64(u))
	}
	if top == 0 {
		return nil
	}
	for i := range out {
		out[i].AllocPct = math.Round(1000*vals[i][0]/top) / 10
		out[i].InUsePct = math.Round(1000*vals[i][1]/top) / 10
	}
	return out
}

// noChartsReason says why the report has no chart, naming the inputs.
func noChartsReason(r *report.Report) string {
	if len(r.Inputs) == 0 {
		return "No charts: the report names no input."
	}
	var kinds []string
	for _, in := range r.Inputs {
		k := in.Kind
		if k == "" {
			k = "unrecognised"
		}
		kinds = append(kinds, in.Name+" ("+k+")")
	}
	return "No charts: " + strings.Join(kinds, ", ") + " carr" + map[bool]string{true: "ies", false: "y"}[len(kinds) == 1] +
		" no runtime/metrics history, and there is no series of goroutine snapshots to chart. " +
		"Bundles captured by gdiag's collector (gdiag capture, or its /debug/gdiag/ endpoint) carry up to 20 minutes of metrics history; " +
		"gdiag diff of two or more dumps or bundles charts the growth of each leak site."
}

// breakable escapes s and lets the browser wrap it after the separators of
// Go names and paths ("/", ".", "(", ",") instead of mid-word.
func breakable(s string) template.HTML {
	var b strings.Builder
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '.', '(', ',', '|':
			if i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '/' {
				b.WriteString(template.HTMLEscapeString(s[start : i+1]))
				b.WriteString("<wbr>")
				start = i + 1
			}
		}
	}
	b.WriteString(template.HTMLEscapeString(s[start:]))
	return template.HTML(b.String())
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"sev":       func(s report.Severity) string { return s.String() },
	"upper":     strings.ToUpper,
	"thousands": func(n int) string { return units.Thousands(n) },
	"wrap":      breakable,
}).Parse(pageTmpl))
