// Package report is gdiag's output model and its renderers.
//
// Every check (leaks, gctune, pool, …) produces Findings; the analyzer puts
// them, with descriptive Sections, into one Report. The renderers turn a
// Report into a terminal table (tablewriter), JSON (a documented, stable
// contract for CI and other tools) or one self-contained HTML file.
//
// Package report knows nothing about goroutines, profiles or bundles: it
// imports only the standard library and tablewriter.
package report
