// Package text renders a report.Report for a terminal: a header naming the
// inputs, the findings, each section's notes and tables (drawn with
// tablewriter), then the warnings, fitted to a width and safe against
// hostile strings (control characters are replaced).
//
// It is a renderer: the model is package report, and only the CLI and other
// presentation code import this package, never a check or the collector.
package text
