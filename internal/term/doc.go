// Package term is gdiag's one place for terminal output concerns.
//
// Sanitize makes untrusted text safe to print: names and messages that
// gdiag did not write itself (function names, labels and file paths from a
// dump or profile, entry names and errors from a bundle, a server's reply)
// can hold escape sequences that move the cursor, rewrite earlier output or
// set the window title, and bidirectional overrides that reorder what is
// shown; Sanitize shows them as visible escapes instead.
//
// Width, UseColor and Painter decide the layout and the colour: the width
// from the terminal (the caller asks it), then COLUMNS, then DefaultWidth;
// colour per --color=auto|always|never and NO_COLOR; Painter writes the only
// ANSI sequences gdiag emits. The package is standard library only, so the
// analysis packages may use Sanitize; asking the terminal for its size is
// left to the command (cmd/gdiag uses golang.org/x/term).
package term
