// Package display formats the values of a report for people: the helpers the
// text and HTML renderers (report/text, report/html) share, so that both
// show a finding's location, goroutine ids, counts and metrics the same way.
// Standard library only.
package display
