// Package report is gdiag's output model: Report, Finding, Section, Table,
// Severity and Check, the order findings are shown in (Sort), and the JSON
// encoding (WriteJSON, ReadJSON; a documented, stable contract for CI and
// other tools, see docs/json.md).
//
// Every check (leaks, gctune, heap, contention, …) produces Findings; the
// analyzer puts them, with descriptive Sections, into one Report. The
// renderers sit beside the model, so that checks link none of them:
// report/text draws a Report for a terminal (tablewriter) and report/html
// writes one self-contained HTML file (html/template).
//
// Package report knows nothing about goroutines, profiles or bundles, and it
// imports only the standard library. JSON stays here because it is the
// model's own serialization: the field names and the normalization
// (Normalized) are part of the contract, and encoding/json is standard
// library.
package report
