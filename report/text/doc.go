// Package text renders a report.Report for a terminal. The default, short
// view is the header, the count of findings by severity, the top findings in
// brief, one line for each of the next, and each section's summary; the
// verbose view adds evidence, metrics, goroutine ids and every section's
// notes and tables (drawn with tablewriter). Output fits a width: names are
// shortened from the middle of their package path and paths from the middle
// of their directories, never inside a word, and table columns that cannot
// fit are left out and named. Severities and verdicts may be coloured, and
// every string passes through term.Sanitize so hostile input cannot drive
// the terminal.
//
// It is a renderer: the model is package report, and only the CLI and other
// presentation code import this package, never a check or the collector.
package text
