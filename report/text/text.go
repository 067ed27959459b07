package text

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gdiag/gdiag/internal/term"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/internal/display"
)

// DefaultWidth is the width Write assumes when Options.Width is 0; the CLI
// asks the terminal first, then COLUMNS (see term.Width).
const DefaultWidth = term.DefaultWidth

// DefaultTop is how many findings Write shows in full when Options.Top is 0
// and Options.Verbose is false.
const DefaultTop = 5

// maxOneLine is how many findings after the first Top the short view lists
// on one line each.
const maxOneLine = 10

// minWidth is the narrowest output Write will lay out; narrower widths
// are raised to it.
const minWidth = 40

// Options control Write. The zero value is the documented default: the
// short view at 100 columns, without colour.
type Options struct {
	// Width is the output width in columns (0 = DefaultWidth). Paragraphs are
	// wrapped and table cells shortened to fit; widths below 40 are treated
	// as 40.
	Width int
	// Verbose prints everything: every finding in full (evidence, metrics,
	// goroutine ids), then every section with its notes and tables. The
	// default, short view prints the header, the count of findings by
	// severity, the first Top findings in brief (where, created by, summary,
	// suggestion), one line for each of the next ten, and the first note of
	// each section (its summary) without tables.
	Verbose bool
	// Top is how many findings the short view shows in full (0 = DefaultTop,
	// negative = all). Verbose shows all.
	Top int
	// MaxRows is the maximum number of rows printed per table (0 = all); the
	// rest are counted in a line under the table.
	MaxRows int
	// MaxIDs is the maximum number of goroutine ids listed per finding
	// (0 = 10); the rest are counted.
	MaxIDs int
	// Color paints severities, verdicts and headings with ANSI escape
	// sequences (term.Painter). The caller decides, usually with
	// term.UseColor.
	Color bool
}

// Write renders r for a terminal (see Options for the short and the verbose
// view). Findings come in their current order (call r.Sort first). Long
// names are shortened from the middle of their package path and paths from
// the middle of their directories, never inside a word, so that every line
// fits opts.Width columns, counting one column per rune. Every string of the
// report passes through term.Sanitize, so control characters, escape
// sequences and bidirectional overrides from hostile input are shown as
// visible escapes instead of driving the terminal.
//
// Write does not modify r. It returns the first write error.
func Write(w io.Writer, r *report.Report, opts Options) error {
	if opts.Width == 0 {
		opts.Width = DefaultWidth
	}
	opts.Width = max(opts.Width, minWidth)
	if opts.MaxIDs <= 0 {
		opts.MaxIDs = 10
	}
	top := len(r.Findings)
	if !opts.Verbose && opts.Top >= 0 {
		top = min(top, cmp.Or(opts.Top, DefaultTop))
	}
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, width: opts.Width, p: term.Painter{On: opts.Color}, verbose: opts.Verbose}
	t.header(r)
	t.findings(r.Findings, top, opts)
	if opts.Verbose {
		for _, s := range r.Sections {
			if err := t.section(s, opts); err != nil {
				return fmt.Errorf("report: section %s: %w", s.ID, err)
			}
		}
	} else if len(r.Sections) > 0 {
		t.line("")
		for _, s := range r.Sections {
			if len(s.Notes) > 0 {
				title := clean(cmp.Or(s.Title, s.ID)) + ": "
				t.para(t.p.Paint(term.Bold, title), "  ", s.Notes[0])
			}
		}
		t.line(t.p.Paint(term.Dim, "-v shows every section in full"))
	}
	t.warnings(r.Warnings)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: writing text: %w", err)
	}
	return nil
}

type textWriter struct {
	w       *bufio.Writer
	width   int
	p       term.Painter
	verbose bool
}

func (t *textWriter) line(s string) {
	t.w.WriteString(s)
	t.w.WriteByte('\n')
}

// para writes text word-wrapped to the width, the first line prefixed with
// first and the others with rest. The prefixes may be painted; their width
// is measured without the escape sequences.
func (t *textWriter) para(first, rest, text string) {
	for _, l := range wrapHanging(clean(text), t.width-runeLen(term.Visible(first)), t.width-runeLen(rest)) {
		t.line(first + l)
		first = rest
	}
}

// paintPara is para with each line of text painted in c.
func (t *textWriter) paintPara(c term.Color, first, rest, text string) {
	for _, l := range wrap(clean(text), t.width-runeLen(term.Visible(first))) {
		t.line(first + t.p.Paint(c, l))
		first = rest
	}
}

// field writes "  label       value" with the value wrapped under itself.
func (t *textWriter) field(label, value string) {
	if value == "" {
		return
	}
	first := fmt.Sprintf("  %-12s", label)
	t.para(first, strings.Repeat(" ", runeLen(first)), value)
}

// oneLine writes prefix and text on one line, text shortened to fit.
func (t *textWriter) oneLine(prefix, text string) {
	t.line(prefix + shorten(clean(text), t.width-runeLen(term.Visible(prefix))))
}

func (t *textWriter) header(r *report.Report) {
	t.para("gdiag report: ", "  ", cmp.Or(r.Title, "(untitled)"))
	for _, in := range r.Inputs {
		s := in.Name
		if in.Kind != "" {
			s += " (" + in.Kind + ")"
		}
		if in.Detail != "" {
			s += ": " + in.Detail
		}
		if in.Error != "" {
			s += "; error: " + in.Error
		}
		t.para("  input  ", "         ", s)
	}
}

// severityColor is the colour of a severity label.
func severityColor(s report.Severity) term.Color {
	switch s {
	case report.SeverityCritical:
		return term.BoldRed
	case report.SeverityHigh:
		return term.Red
	case report.SeverityMedium:
		return term.Yellow
	case report.SeverityLow:
		return term.Cyan
	}
	return term.Dim
}

// verdictColor is the colour of a leak verdict: red for leaks, yellow for
// suspects, green for what is fine.
func verdictColor(v string) term.Color {
	switch v {
	case "proven-leak", "likely-leak":
		return term.Red
	case "suspect":
		return term.Yellow
	case "blocked-benign", "active":
		return term.Green
	}
	return ""
}

func (t *textWriter) findings(fs []report.Finding, top int, opts Options) {
	t.line("")
	if len(fs) == 0 {
		t.line("No findings.")
		return
	}
	var bySev [report.SeverityCritical + 1]int
	for _, f := range fs {
		if f.Severity >= 0 && f.Severity <= report.SeverityCritical {
			bySev[f.Severity]++
		}
	}
	var parts []string
	for s := report.SeverityCritical; s >= report.SeverityInfo; s-- {
		if bySev[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", bySev[s], s))
		}
	}
	noun := "findings"
	if len(fs) == 1 {
		noun = "finding"
	}
	// Wrapped as plain text, then painted: the words are ours.
	for _, l := range wrap(fmt.Sprintf("%d %s: %s", len(fs), noun, strings.Join(parts, ", ")), t.width) {
		for s := report.SeverityCritical; s >= report.SeverityInfo; s-- {
			if n := bySev[s]; n > 0 {
				w := fmt.Sprintf("%d %s", n, s)
				l = strings.Replace(l, w, t.p.Paint(severityColor(s), w), 1)
			}
		}
		t.line(l)
	}
	numW := len(strconv.Itoa(len(fs)))
	for i, f := range fs[:top] {
		t.line("")
		t.finding(i, numW, f, opts)
	}
	if top < len(fs) {
		t.line("")
		rest := fs[top:]
		if len(rest) > maxOneLine {
			rest = rest[:maxOneLine]
		}
		for i, f := range rest {
			t.oneLine(t.label(top+i, numW, f.Severity), f.Title)
		}
		more := "--top N or -v shows these in full"
		if n := len(fs) - top - len(rest); n > 0 {
			more = fmt.Sprintf("… and %s more; %s", units.Thousands(n), more)
		}
		t.line(t.p.Paint(term.Dim, fmt.Sprintf("%*s  %s", numW+1, "", more)))
	}
}

// label is "12. HIGH      " with the number right-aligned to numW digits
// and the severity painted and padded to the longest name.
func (t *textWriter) label(i, numW int, s report.Severity) string {
	name := strings.ToUpper(s.String())
	return fmt.Sprintf("%*d. ", numW, i+1) + t.p.Paint(severityColor(s), name) + strings.Repeat(" ", max(len("CRITICAL")-len(name), 0)+2)
}

func (t *textWriter) finding(i, numW int, f report.Finding, opts Options) {
	head := t.label(i, numW, f.Severity)
	t.paintPara(term.Bold, head, strings.Repeat(" ", runeLen(term.Visible(head))), f.Title)
	check := clean(f.Check)
	verdict := clean(f.Verdict)
	if verdict != "" {
		check += " (" + verdict + ")"
	}
	if f.Count > 0 {
		check += ", count " + units.Thousands(f.Count)
	}
	first := fmt.Sprintf("  %-12s", "check")
	for _, l := range wrap(check, t.width-runeLen(first)) {
		if verdict != "" && strings.Contains(l, "("+verdict+")") {
			l = strings.Replace(l, "("+verdict+")", "("+t.p.Paint(verdictColor(f.Verdict), verdict)+")", 1)
			verdict = ""
		}
		t.line(first + l)
		first = strings.Repeat(" ", runeLen(first))
	}
	t.where("where", f.Function, f.Location)
	if i := strings.LastIndex(f.CreatedBy, " at "); i > 0 {
		t.where("created by", f.CreatedBy[:i], f.CreatedBy[i+4:])
	} else {
		t.where("created by", f.CreatedBy, "")
	}
	if len(f.Labels) > 0 {
		n := 3
		if t.verbose {
			n = len(f.Labels)
		}
		t.field("labels", display.LabelCounts(f.Labels, n))
	}
	if t.verbose && len(f.GoroutineIDs) > 0 {
		t.field("goroutines", display.IDList(f.GoroutineIDs, opts.MaxIDs))
	}
	t.field("summary", f.Summary)
	if !t.verbose && len(f.Evidence) > 1 {
		// The strongest fact (evidence is ordered strongest first; a
		// lone item only restates where and who).
		t.field("evidence", fmt.Sprintf("%s (-v: %d more)", f.Evidence[0], len(f.Evidence)-1))
	}
	if t.verbose {
		for j, e := range f.Evidence {
			label := ""
			if j == 0 {
				label = "evidence"
			}
			first := fmt.Sprintf("  %-12s- ", label)
			t.para(first, strings.Repeat(" ", runeLen(first)), e)
		}
		if len(f.Metrics) > 0 {
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(f.Metrics)) {
				kv = append(kv, k+"="+display.Float(f.Metrics[k]))
			}
			t.field("metrics", strings.Join(kv, ", "))
		}
	}
	t.field("suggestion", f.Suggestion)
}

// where writes a "function at file:line" field: on one line when it fits,
// else the function (shortened from the middle of its package path) on one
// line and "at file:line" (shortened from the middle of its directories) on
// the next.
func (t *textWriter) where(label, fn, loc string) {
	fn, loc = clean(fn), clean(loc)
	if fn == "" && loc == "" {
		return
	}
	first := fmt.Sprintf("  %-12s", label)
	rest := strings.Repeat(" ", runeLen(first))
	avail := t.width - runeLen(first)
	whole := display.Where(fn, loc)
	if runeLen(whole) <= avail {
		t.line(first + whole)
		return
	}
	if fn == "" {
		t.line(first + display.ShortenPath(loc, avail))
		return
	}
	t.line(first + display.ShortenName(fn, avail))
	if loc != "" {
		t.line(rest + "at " + display.ShortenPath(loc, avail-3))
	}
}

func (t *textWriter) warnings(ws []string) {
	if len(ws) == 0 {
		return
	}
	t.line("")
	t.line(t.p.Paint(term.Yellow, fmt.Sprintf("Warnings (%d)", len(ws))))
	shown := ws
	if !t.verbose && len(ws) > 3 {
		shown = ws[:3]
	}
	for _, warn := range shown {
		t.para("  - ", "    ", warn)
	}
	if len(shown) < len(ws) {
		t.line(fmt.Sprintf("  … %s more (-v shows them)", units.Thousands(len(ws)-len(shown))))
	}
}

func (t *textWriter) section(s report.Section, opts Options) error {
	t.line("")
	t.paintPara(term.Bold, "", "", "== "+cmp.Or(s.Title, s.ID)+" ==")
	for _, n := range s.Notes {
		t.para("  ", "  ", n)
	}
	for _, tab := range s.Tables {
		if tab.Title != "" {
			t.line("")
			t.para("", "", tab.Title)
		}
		if err := t.table(tab, opts.MaxRows); err != nil {
			return err
		}
	}
	return nil
}

// table draws tab with tablewriter, cells cleaned and shortened so the
// table fits the width.
func (t *textWriter) table(tab report.Table, maxRows int) error {
	ncol := len(tab.Columns)
	for _, row := range tab.Rows {
		ncol = max(ncol, len(row))
	}
	if ncol == 0 {
		return nil
	}
	rows := tab.Rows
	hidden := 0
	if maxRows > 0 && len(rows) > maxRows {
		hidden = len(rows) - maxRows
		rows = rows[:maxRows]
	}
	header := display.Pad(tab.Columns, ncol)
	body := make([][]string, len(rows))
	for i, row := range rows {
		body[i] = display.Pad(row, ncol)
	}
	for i := range header {
		header[i] = clean(header[i])
	}
	for _, row := range body {
		for i := range row {
			row[i] = clean(row[i])
		}
	}
	numeric := make([]bool, ncol)
	for i := range numeric {
		numeric[i] = display.NumericColumn(body, i)
	}
	// Columns that cannot fit are left out, from the right, rather than
	// cut to nothing; a line under the table names them.
	var dropped []string
	widths := fitWidths(header, body, numeric, t.width)
	for ncol > 2 && tableWidth(widths) > t.width {
		i := dropColumn(body, ncol)
		ncol--
		dropped = append(dropped, header[i])
		header, numeric = slices.Delete(header, i, i+1), slices.Delete(numeric, i, i+1)
		for r := range body {
			body[r] = slices.Delete(body[r], i, i+1)
		}
		widths = fitWidths(header, body, numeric, t.width)
	}
	// Two columns still too wide: the widest gives way, cut if it must.
	if over := tableWidth(widths) - t.width; over > 0 {
		i := 0
		for j, w := range widths {
			if w > widths[i] {
				i = j
			}
		}
		widths[i] = max(widths[i]-over, 1)
	}
	for i := range header {
		header[i] = strings.Join(wrapCell(header[i], widths[i]), "\n")
	}
	for _, row := range body {
		for i := range row {
			row[i] = fitCell(row[i], widths[i])
		}
	}
	align := make([]tw.Align, ncol)
	for i := range align {
		align[i] = tw.AlignLeft
		if numeric[i] {
			align[i] = tw.AlignRight
		}
	}
	tb := tablewriter.NewTable(t.w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	if len(tab.Columns) > 0 {
		tb.Header(header)
	}
	if err := tb.Bulk(body); err != nil {
		return err
	}
	if err := tb.Render(); err != nil {
		return err
	}
	if len(dropped) > 0 {
		t.para("  ", "  ", fmt.Sprintf("columns left out at %d columns: %s (wider terminal, COLUMNS or --format html)", t.width, strings.Join(dropped, ", ")))
	}
	if hidden > 0 {
		noun := "rows"
		if hidden == 1 {
			noun = "row"
		}
		t.line(fmt.Sprintf("  … %s more %s not shown", units.Thousands(hidden), noun))
	}
	return nil
}

// fitWidths returns per-column content widths such that the table, with
// tablewriter's borders and padding (3 columns per cell plus 1), fits width
// when it can. A column's natural width is its longest cell, or its header's
// longest word (headers wrap onto several lines). Numeric columns keep their
// natural width, so numbers are never cut; text columns never go below
// their essential width (see essential), so names are not cut inside a
// word. Of the rest, columns narrower than their fair share keep their
// natural width and the others share what is left (water-filling). When
// even that is wider than width the caller leaves columns out.
func fitWidths(header []string, body [][]string, numeric []bool, width int) []int {
	n := len(header)
	natural := make([]int, n)
	floor := make([]int, n)
	for i, h := range header {
		for _, w := range strings.Fields(h) {
			natural[i] = max(natural[i], runeLen(w))
		}
	}
	for _, row := range body {
		for i, c := range row {
			natural[i] = max(natural[i], runeLen(c))
			floor[i] = max(floor[i], essential(c))
		}
	}
	for i := range natural {
		natural[i] = max(natural[i], 1)
		floor[i] = min(max(floor[i], 3), natural[i])
		if i < len(numeric) && numeric[i] {
			floor[i] = natural[i]
		}
	}
	avail := width - (3*n + 1)
	total := 0
	for _, w := range natural {
		total += w
	}
	if total <= avail {
		return natural
	}
	widths := make([]int, n)
	fixed := make([]bool, n)
	left, open := avail, n
	fix := func(i, w int) {
		widths[i], fixed[i] = w, true
		left -= w
		open--
	}
	for i := range natural {
		if floor[i] == natural[i] {
			fix(i, natural[i])
		}
	}
	for changed := true; changed && open > 0; {
		changed = false
		share := left / open
		for i := range natural {
			if fixed[i] {
				continue
			}
			if natural[i] <= share {
				fix(i, natural[i])
				changed = true
			} else if floor[i] > share {
				fix(i, floor[i])
				changed = true
			}
		}
	}
	if open > 0 {
		share := max(left/open, 0)
		extra := max(left-share*open, 0)
		for i := range widths {
			if !fixed[i] {
				widths[i] = share
				if extra > 0 {
					widths[i]++
					extra--
				}
			}
		}
	}
	return widths
}

// essential is the narrowest width a cell reads well in: a number or a word
// whole; for a "function (file:line)" cell the function's own name after
// "…" and the file name with its line; for a name the last identifier after
// "…"; for a path its file name.
func essential(c string) int {
	if fn, _, loc, _, ok := splitWhere(c); ok && !strings.Contains(fn, " ") {
		return max(runeLen(lastIdent(fn))+1, runeLen(base(loc))+4)
	}
	if isName(c) {
		return runeLen(lastIdent(c)) + 1
	}
	if strings.ContainsAny(c, " ") {
		w := 0
		for _, f := range strings.Fields(c) {
			w = max(w, min(runeLen(f), 12))
		}
		return w
	}
	if pathLike(c) {
		return runeLen(base(c))
	}
	return min(runeLen(c), 12)
}

// lastIdent is the last element of a qualified function name after its
// last dot outside type arguments: "pkg.(*T).m" → "m".
func lastIdent(fn string) string {
	end, args := len(fn), ""
	if i := strings.IndexByte(fn, '['); i >= 0 {
		end, args = i, "[…]"
	}
	if i := strings.LastIndexByte(fn[:end], '.'); i >= 0 && i+1 < end {
		return fn[i+1:end] + args
	}
	return fn[:end] + args
}

// dropColumn picks the column to leave out of a table too wide for the
// terminal: the rightmost whose cells are all the same (they say least),
// else the last one. The first column, which names the row, stays.
func dropColumn(body [][]string, ncol int) int {
	for i := ncol - 1; i > 0; i-- {
		same := len(body) > 1
		for _, row := range body {
			if row[i] != body[0][i] {
				same = false
				break
			}
		}
		if same {
			return i
		}
	}
	return ncol - 1
}

// tableWidth is the width tablewriter draws columns of these content
// widths in: each cell padded by a space on both sides, one border between
// and around them.
func tableWidth(widths []int) int {
	w := 1
	for _, c := range widths {
		w += c + 3
	}
	return w
}

// wrapCell splits a header into lines of at most n runes at spaces; a word
// longer than n is shortened.
func wrapCell(s string, n int) []string {
	if runeLen(s) <= n {
		return []string{s}
	}
	var lines []string
	for _, l := range wrapWords(s, n, n) {
		lines = append(lines, shorten(l, n))
	}
	return lines
}

// fitCell fits a body cell into n runes: "function (file:line)" and
// "function at file:line" cells that do not fit on one line take two, the
// function and then the place, each shortened from its middle; a function
// name takes two lines rather than lose its last identifier; text wraps
// onto at most maxCellLines lines; other cells are shortened (see shorten).
func fitCell(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	if fn, sep, loc, end, ok := splitWhere(s); ok && !strings.Contains(fn, " ") {
		second := strings.TrimPrefix(sep, " ") + loc + end
		if sep == " at " {
			second = "at " + loc
		}
		fixed := runeLen(second) - runeLen(loc)
		return fitName(fn, n) + "\n" + strings.Replace(second, loc, display.ShortenPath(loc, n-fixed), 1)
	}
	if isName(s) {
		return fitName(s, n)
	}
	if strings.Contains(s, " ") {
		lines := wrapWords(s, n, n)
		if len(lines) > maxCellLines {
			lines = lines[:maxCellLines]
			lines[maxCellLines-1] += " …"
		}
		for i, l := range lines {
			lines[i] = shorten(l, n)
		}
		return strings.Join(lines, "\n")
	}
	return shorten(s, n)
}

// fitName fits a function name into n runes, shortened from the middle of
// its package path; when that would cut its last identifier, the name
// takes two lines, the qualifier and the identifier.
func fitName(fn string, n int) string {
	short := display.ShortenName(fn, n)
	id := lastIdent(fn)
	end := len(fn)
	if i := strings.IndexByte(fn, '['); i >= 0 {
		end = i
	}
	qual := strings.TrimSuffix(fn[:end], strings.TrimSuffix(id, "[…]"))
	if strings.HasSuffix(short, id) || runeLen(id) > n || qual == "" {
		return short
	}
	return display.ShortenName(qual, n) + "\n" + id
}

// isName reports whether s looks like one qualified function name: no
// space outside its type arguments, a dot, not a path.
func isName(s string) bool {
	head := s
	if i := strings.IndexByte(s, '['); i >= 0 {
		head = s[:i]
	}
	return !strings.Contains(head, " ") && strings.Contains(head, ".") && !pathLike(head)
}

// maxCellLines is how many lines a text cell may take.
const maxCellLines = 3

// shorten fits s into n runes without cutting inside a word where it can:
//   - "function at file:line" and "function (file:line)" keep the file name
//     and line whole; directories go first, then the middle of the
//     function's package path (display.ShortenPath, display.ShortenName);
//   - a lone path or qualified name is shortened from its middle;
//   - other text is cut at the last space that keeps at least half of it,
//     and marked with "…".
func shorten(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	if fn, sep, loc, end, ok := splitWhere(s); ok && !strings.Contains(fn, " ") {
		fixed := runeLen(sep) + runeLen(end)
		if c := fn + sep + display.ShortenPath(loc, n-fixed-runeLen(fn)) + end; runeLen(c) <= n && keepsBase(c, loc) {
			return c
		}
		loc = display.ShortenPath(loc, runeLen(base(loc))+2) // "…/file.go:12"
		if c := display.ShortenName(fn, n-fixed-runeLen(loc)) + sep + loc + end; runeLen(c) <= n {
			return c
		}
	}
	if !strings.ContainsAny(s, " \t") {
		if pathLike(s) {
			return display.ShortenPath(s, n)
		}
		return display.ShortenName(s, n)
	}
	r := []rune(s)
	cut := string(r[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i >= runeLen(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// splitWhere splits "fn at loc" or "fn (loc)" into its parts, loc being
// path-like.
func splitWhere(s string) (fn, sep, loc, end string, ok bool) {
	if i := strings.LastIndex(s, " at "); i > 0 && pathLike(s[i+4:]) && !strings.Contains(s[i+4:], " ") {
		return s[:i], " at ", s[i+4:], "", true
	}
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, " ("); i > 0 && pathLike(s[i+2:len(s)-1]) && !strings.Contains(s[i+2:], " ") {
			return s[:i], " (", s[i+2 : len(s)-1], ")", true
		}
	}
	return "", "", "", "", false
}

// base is the file name of a path, with its line.
func base(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// keepsBase reports whether the shortened s still ends with loc's file name.
func keepsBase(s, loc string) bool {
	return strings.Contains(s, base(loc))
}

func pathLike(s string) bool {
	if strings.ContainsAny(s, `/\`) {
		i := strings.LastIndexAny(s, `/\`)
		// "pkg/path.Func" is a name, "dir/file.go" a path.
		return strings.Contains(s[i:], ".go") || strings.Contains(s[i:], ":") || !strings.Contains(s[i:], ".")
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 || i == len(s)-1 {
		return false
	}
	_, err := strconv.Atoi(s[i+1:])
	return err == nil
}

// clean makes s safe and single-line for a terminal: term.Sanitize shows
// control characters, escape sequences, bidirectional overrides and invalid
// UTF-8 as visible escapes (\x1b, \u202e) and newlines as \n; tabs become
// spaces.
func clean(s string) string {
	s = term.Sanitize(s)
	if strings.IndexByte(s, '\t') >= 0 {
		s = strings.ReplaceAll(s, "\t", " ")
	}
	return s
}

// wrap splits text into lines of at most width runes at spaces. A word
// longer than a line, which is mostly a qualified name or a path, is
// shortened from its middle (see shorten) rather than cut.
func wrap(text string, width int) []string {
	return wrapWords(text, max(width, 10), max(width, 10))
}

// wrapHanging is wrap with a first line of first runes and the others of
// rest runes.
func wrapHanging(text string, first, rest int) []string {
	return wrapWords(text, max(first, 10), max(rest, 10))
}

// wrapWords is wrap without a minimum width: the first line has width
// runes, the others rest.
func wrapWords(text string, width, rest int) []string {
	words := strings.Fields(text)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	var cur strings.Builder
	curLen := 0
	for _, w := range words {
		wl := runeLen(w)
		if curLen > 0 && curLen+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			curLen = 0
			width = rest
		}
		if wl > width {
			w = shortenWord(w, width)
			wl = runeLen(w)
		}
		if curLen > 0 {
			cur.WriteByte(' ')
			curLen++
		}
		cur.WriteString(w)
		curLen += wl
	}
	if curLen > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// shortenWord shortens one word of a paragraph to n runes, keeping the
// punctuation around it: "(github.com/a/b/c.F)," → "(github.com/…/c.F),".
func shortenWord(w string, n int) string {
	lead := len(w) - len(strings.TrimLeft(w, "(\"'`["))
	core := strings.TrimRight(w[lead:], ")\"'`],;:.")
	trail := w[lead+len(core):]
	budget := n - lead - runeLen(trail)
	if budget < 4 || core == "" {
		return shorten(w, n)
	}
	return w[:lead] + shorten(core, budget) + trail
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
