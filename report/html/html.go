package html

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/internal/display"
)

// Write writes r as one self-contained HTML page: inline CSS, no
// scripts, no external fonts, images or links to fetch, so it can be mailed
// or attached to a ticket and opened offline. Findings (in their current
// order; call r.Sort first) are cards coloured by severity; sections are
// tables. Every string from the report is escaped by html/template, so a
// hostile goroutine label or function name cannot inject markup.
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
	Findings []htmlFinding
	Sections []htmlSection
}

type sevCount struct {
	Severity report.Severity
	N        int
}

type htmlFinding struct {
	report.Finding
	Where   string
	IDs     string
	Metrics []metricKV
}

type metricKV struct{ Key, Value string }

type htmlSection struct {
	report.Section
	Tables []htmlTable
}

type htmlTable struct {
	Title   string
	Columns []string
	Rows    [][]string
	Numeric []bool
}

func htmlView(r *report.Report) htmlPage {
	p := htmlPage{R: r}
	var bySev [report.SeverityCritical + 1]int
	for _, f := range r.Findings {
		if f.Severity >= 0 && f.Severity <= report.SeverityCritical {
			bySev[f.Severity]++
		}
		hf := htmlFinding{Finding: f, Where: display.Where(f.Function, f.Location)}
		if len(f.GoroutineIDs) > 0 {
			hf.IDs = display.IDList(f.GoroutineIDs, 50)
		}
		for _, k := range slices.Sorted(maps.Keys(f.Metrics)) {
			hf.Metrics = append(hf.Metrics, metricKV{k, display.Float(f.Metrics[k])})
		}
		p.Findings = append(p.Findings, hf)
	}
	for s := report.SeverityCritical; s >= report.SeverityInfo; s-- {
		if bySev[s] > 0 {
			p.Counts = append(p.Counts, sevCount{s, bySev[s]})
		}
	}
	for _, s := range r.Sections {
		hs := htmlSection{Section: s}
		for _, t := range s.Tables {
			ncol := len(t.Columns)
			for _, row := range t.Rows {
				ncol = max(ncol, len(row))
			}
			ht := htmlTable{Title: t.Title, Columns: display.Pad(t.Columns, ncol), Numeric: make([]bool, ncol)}
			if len(t.Columns) == 0 {
				ht.Columns = nil
			}
			for _, row := range t.Rows {
				ht.Rows = append(ht.Rows, display.Pad(row, ncol))
			}
			for i := range ht.Numeric {
				ht.Numeric[i] = display.NumericColumn(ht.Rows, i)
			}
			hs.Tables = append(hs.Tables, ht)
		}
		p.Sections = append(p.Sections, hs)
	}
	return p
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"sev":   func(s report.Severity) string { return s.String() },
	"upper": strings.ToUpper,
	"thousands": func(n int) string {
		return units.Thousands(n)
	},
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gdiag">
<title>gdiag: {{.R.Title}}</title>
<style>
:root {
  --bg: #f6f7f9; --fg: #1d2330; --muted: #5b6475; --card: #ffffff; --line: #dde1e8; --code: #eef1f5;
  --critical: #b3261e; --high: #d9480f; --medium: #b8860b; --low: #1864ab; --info: #5f6b7a;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #15181d; --fg: #e4e7ec; --muted: #9aa3b2; --card: #1e232a; --line: #343b46; --code: #2a3039;
    --critical: #ff6b6b; --high: #ff922b; --medium: #fcc419; --low: #74c0fc; --info: #adb5bd; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-word; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
code { background: var(--code); padding: 1px 5px; border-radius: 4px; word-break: break-all; }
.inputs { color: var(--muted); margin: 6px 0 0; padding: 0; list-style: none; }
.inputs .err { color: var(--critical); }
.summary { margin: 16px 0 0; display: flex; flex-wrap: wrap; gap: 8px; }
.chip { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600;
  color: #fff; background: var(--info); }
.chip.none { background: var(--card); color: var(--muted); border: 1px solid var(--line); font-weight: 400; }
.critical .chip, .chip.critical { background: var(--critical); }
.high .chip, .chip.high { background: var(--high); }
.medium .chip, .chip.medium { background: var(--medium); }
.low .chip, .chip.low { background: var(--low); }
.card { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--info);
  border-radius: 8px; padding: 14px 18px; margin: 12px 0; }
.card.critical { border-left-color: var(--critical); }
.card.high { border-left-color: var(--high); }
.card.medium { border-left-color: var(--medium); }
.card.low { border-left-color: var(--low); }
.card h3 { margin: 0; font-size: 16px; color: var(--fg); display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.card h3 .title { flex: 1 1 300px; word-break: break-word; }
.verdict { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.card p { margin: 8px 0 0; }
.card ul { margin: 2px 0 0; padding-left: 20px; }
.card .label { margin-top: 10px; color: var(--muted); }
.suggestion { margin-top: 10px; padding: 8px 12px; border-radius: 6px; background: var(--code); }
.suggestion b { color: var(--muted); font-weight: 600; }
.note { margin: 4px 0; }
.tablewrap { overflow-x: auto; margin: 6px 0 14px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }
th { background: var(--code); font-weight: 600; white-space: nowrap; }
td { overflow-wrap: anywhere; }
tr:last-child td { border-bottom: none; }
tbody tr:nth-child(even) td { background: color-mix(in srgb, var(--code) 45%, transparent); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.warnings li { color: var(--high); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media (prefers-color-scheme: dark) { .chip { color: #15181d; } .chip.none { color: var(--muted); } }
</style>
</head>
<body>
<main>
<header>
<h1>gdiag report: {{.R.Title}}</h1>
{{- if .R.Inputs}}
<ul class="inputs">
{{- range .R.Inputs}}
<li><code>{{.Name}}</code>{{if .Kind}} ({{.Kind}}){{end}}{{if .Detail}}: {{.Detail}}{{end}}{{if .Error}} <span class="err">error: {{.Error}}</span>{{end}}</li>
{{- end}}
</ul>
{{- end}}
<div class="summary">
{{- range .Counts}}
<span class="chip {{sev .Severity}}">{{.N}} {{sev .Severity}}</span>
{{- else}}
<span class="chip none">no findings</span>
{{- end}}
</div>
</header>
{{- if .Findings}}
<section id="findings">
<h2>Findings</h2>
{{- range .Findings}}
<article class="card {{sev .Severity}}">
<h3><span class="chip">{{upper (sev .Severity)}}</span><span class="title">{{.Title}}</span>{{if .Verdict}}<span class="verdict">{{.Verdict}}</span>{{end}}</h3>
{{- if .Summary}}
<p class="summary-text">{{.Summary}}</p>
{{- end}}
<dl>
<dt>check</dt><dd><code>{{.Check}}</code></dd>
{{- if .Count}}
<dt>count</dt><dd>{{thousands .Count}}</dd>
{{- end}}
{{- if .Where}}
<dt>where</dt><dd class="mono">{{.Where}}</dd>
{{- end}}
{{- if .CreatedBy}}
<dt>created by</dt><dd class="mono">{{.CreatedBy}}</dd>
{{- end}}
{{- if .IDs}}
<dt>goroutines</dt><dd class="mono">{{.IDs}}</dd>
{{- end}}
{{- if .Metrics}}
<dt>metrics</dt><dd>{{range $i, $m := .Metrics}}{{if $i}}, {{end}}<span class="mono">{{$m.Key}}</span>&nbsp;=&nbsp;{{$m.Value}}{{end}}</dd>
{{- end}}
</dl>
{{- if .Evidence}}
<div class="label">Evidence</div>
<ul>
{{- range .Evidence}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
{{- if .Suggestion}}
<div class="suggestion"><b>Suggestion:</b> {{.Suggestion}}</div>
{{- end}}
</article>
{{- end}}
</section>
{{- end}}
{{- range .Sections}}
<section id="section-{{.ID}}">
<h2>{{if .Title}}{{.Title}}{{else}}{{.ID}}{{end}}</h2>
{{- range .Notes}}
<p class="note">{{.}}</p>
{{- end}}
{{- range .Tables}}
{{- if .Title}}
<h3>{{.Title}}</h3>
{{- end}}
<div class="tablewrap"><table>
{{- $num := .Numeric}}
{{- if .Columns}}
<thead><tr>{{range $i, $c := .Columns}}<th{{if index $num $i}} class="num"{{end}}>{{$c}}</th>{{end}}</tr></thead>
{{- end}}
<tbody>
{{- range .Rows}}
<tr>{{range $i, $c := .}}<td{{if index $num $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table></div>
{{- end}}
</section>
{{- end}}
{{- if .R.Warnings}}
<section id="warnings">
<h2>Warnings</h2>
<ul class="warnings">
{{- range .R.Warnings}}
<li>{{.}}</li>
{{- end}}
</ul>
</section>
{{- end}}
<footer>Generated by gdiag · report schema {{.R.Schema}}</footer>
</main>
</body>
</html>
`
