// Package term makes untrusted text safe to print on a terminal. Names and
// messages that gdiag did not write itself (entry names and errors from a
// bundle, a server's reply, host names) can hold escape sequences that move
// the cursor, rewrite earlier output or set the window title; Sanitize shows
// them as visible escapes instead. It is the one helper for that.
package term
