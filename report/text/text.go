package text

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/internal/display"
)

// DefaultWidth is the terminal width Write assumes when Options.Width
// is 0.
const DefaultWidth = 120

// minWidth is the narrowest output Write will lay out; narrower widths
// are raised to it.
const minWidth = 40

// Options control Write. The zero value is the documented default.
type Options struct {
	// Width is the output width in columns (0 = DefaultWidth). Paragraphs are
	// wrapped and table cells truncated to fit; widths below 40 are treated
	// as 40.
	Width int
	// MaxRows is the maximum number of rows printed per table (0 = all); the
	// rest are counted in a line under the table.
	MaxRows int
	// MaxIDs is the maximum number of goroutine ids listed per finding
	// (0 = 10); the rest are counted.
	MaxIDs int
}

// Write renders r for a terminal: a header naming the inputs, the
// findings in their current order (call r.Sort first) with severity, verdict,
// title, count, where, created by, summary, evidence bullets and suggestion,
// then each report.Section's notes and tables (drawn with tablewriter), then the
// warnings. Long cells are shortened with "…" (keeping the tail of paths,
// where the file:line is) so that every line fits opts.Width columns, counting
// one column per rune. Control characters in the report are replaced with
// U+FFFD so hostile input cannot drive the terminal.
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
	bw := bufio.NewWriter(w)
	t := &textWriter{w: bw, width: opts.Width}
	t.header(r)
	t.findings(r.Findings, opts)
	for _, s := range r.Sections {
		if err := t.section(s, opts); err != nil {
			return fmt.Errorf("report: section %s: %w", s.ID, err)
		}
	}
	if len(r.Warnings) > 0 {
		t.line("")
		t.line(fmt.Sprintf("Warnings (%d)", len(r.Warnings)))
		for _, warn := range r.Warnings {
			t.para("  - ", "    ", warn)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: writing text: %w", err)
	}
	return nil
}

type textWriter struct {
	w     *bufio.Writer
	width int
}

func (t *textWriter) line(s string) {
	t.w.WriteString(s)
	t.w.WriteByte('\n')
}

// para writes text word-wrapped to the width, the first line prefixed with
// first and the others with rest.
func (t *textWriter) para(first, rest, text string) {
	for _, l := range wrap(clean(text), t.width-runeLen(first)) {
		t.line(first + l)
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

func (t *textWriter) header(r *report.Report) {
	title := r.Title
	if title == "" {
		title = "(untitled)"
	}
	t.para("gdiag report: ", "  ", title)
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

func (t *textWriter) findings(fs []report.Finding, opts Options) {
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
	t.para("", "  ", fmt.Sprintf("%d %s: %s", len(fs), noun, strings.Join(parts, ", ")))
	for i, f := range fs {
		t.line("")
		head := fmt.Sprintf("%d. [%s] ", i+1, strings.ToUpper(f.Severity.String()))
		t.para(head, strings.Repeat(" ", runeLen(head)), f.Title)
		check := f.Check
		if f.Verdict != "" {
			check += " (" + f.Verdict + ")"
		}
		t.field("check", check)
		if f.Count > 0 {
			t.field("count", units.Thousands(f.Count))
		}
		t.field("where", display.Where(f.Function, f.Location))
		t.field("created by", f.CreatedBy)
		if len(f.GoroutineIDs) > 0 {
			t.field("goroutines", display.IDList(f.GoroutineIDs, opts.MaxIDs))
		}
		t.field("summary", f.Summary)
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
		t.field("suggestion", f.Suggestion)
	}
}

func (t *textWriter) section(s report.Section, opts Options) error {
	t.line("")
	title := s.Title
	if title == "" {
		title = s.ID
	}
	t.para("== ", "   ", title+" ==")
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

// table draws tab with tablewriter, cells cleaned and truncated so the table
// fits the width.
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
	widths := fitWidths(header, body, t.width)
	for i := range header {
		header[i] = shorten(header[i], widths[i])
	}
	for _, row := range body {
		for i := range row {
			row[i] = shorten(row[i], widths[i])
		}
	}
	align := make([]tw.Align, ncol)
	for i := range align {
		align[i] = tw.AlignLeft
		if display.NumericColumn(body, i) {
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
// tablewriter's borders and padding (3 columns per cell plus 1), fits width.
// Columns narrower than their fair share keep their natural width; the others
// share the rest equally (water-filling), never below 3 runes.
func fitWidths(header []string, body [][]string, width int) []int {
	n := len(header)
	natural := make([]int, n)
	for i, h := range header {
		natural[i] = runeLen(h)
	}
	for _, row := range body {
		for i, c := range row {
			natural[i] = max(natural[i], runeLen(c))
		}
	}
	for i := range natural {
		natural[i] = max(natural[i], 1)
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
	for changed := true; changed && open > 0; {
		changed = false
		share := left / open
		for i := range natural {
			if !fixed[i] && natural[i] <= share {
				widths[i], fixed[i] = natural[i], true
				left -= natural[i]
				open--
				changed = true
			}
		}
	}
	if open > 0 {
		share := max(left/open, 3)
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

// shorten fits s into n runes. For "function at file:line" cells it first
// drops the directories of the file, then the package path of the function
// ("net/http.(*conn).serve at /usr/local/go/src/net/http/server.go:2102" →
// "http.(*conn).serve at …/server.go:2102"). Other path-like cells (a '/' or
// '\', or a ":line" suffix) keep their tail, where the file:line is; other
// text keeps its head. A cut is marked with "…".
func shorten(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	if i := strings.LastIndex(s, " at "); i > 0 && pathLike(s[i+4:]) {
		fn, loc := s[:i], shortPath(s[i+4:])
		if c := fn + " at " + loc; runeLen(c) <= n {
			return c
		}
		s = symbol.ShortFunc(fn) + " at " + loc
		if runeLen(s) <= n {
			return s
		}
		return "…" + string([]rune(s)[runeLen(s)-(n-1):])
	}
	if pathLike(s) {
		return keepTail(s, n)
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}

// keepTail returns "…" and the last n-1 runes of s, starting at a path
// separator when one falls in the first half of the kept part.
func keepTail(s string, n int) string {
	r := []rune(s)
	kept := r[len(r)-(n-1):]
	for i, c := range kept[:len(kept)/2] {
		if c == '/' || c == '\\' {
			kept = kept[i:]
			break
		}
	}
	return "…" + string(kept)
}

// shortPath keeps the base name of a file path: "/a/b/c.go:12" → "…/c.go:12".
func shortPath(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return "…" + p[i:]
	}
	return p
}

func pathLike(s string) bool {
	if strings.ContainsAny(s, `/\`) {
		return true
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 || i == len(s)-1 {
		return false
	}
	_, err := strconv.Atoi(s[i+1:])
	return err == nil
}

// clean makes s safe and single-line for a terminal: newlines and tabs become
// spaces, other control characters (ESC, C1, DEL) become U+FFFD.
func clean(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) && utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// wrap splits text into lines of at most width runes at spaces; words longer
// than width are cut.
func wrap(text string, width int) []string {
	width = max(width, 10)
	words := strings.Fields(text)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	var cur strings.Builder
	curLen := 0
	for _, w := range words {
		wl := runeLen(w)
		for wl > width { // hard-cut a word longer than a line
			if curLen > 0 {
				lines = append(lines, cur.String())
				cur.Reset()
				curLen = 0
			}
			r := []rune(w)
			lines = append(lines, string(r[:width]))
			w = string(r[width:])
			wl -= width
		}
		switch {
		case curLen == 0:
		case curLen+1+wl <= width:
			cur.WriteByte(' ')
			curLen++
		default:
			lines = append(lines, cur.String())
			cur.Reset()
			curLen = 0
		}
		cur.WriteString(w)
		curLen += wl
	}
	if curLen > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
