// Package html renders a report.Report as one self-contained HTML page
// (inline CSS, no scripts, nothing fetched), escaped by html/template so that
// hostile goroutine labels or function names cannot inject markup.
//
// It is a renderer: the model is package report, and only the CLI and other
// presentation code import this package, never a check or the collector.
package html
