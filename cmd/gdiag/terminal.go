package main

import (
	"io"
	"os"

	xterm "golang.org/x/term"

	"github.com/gdiag/gdiag/internal/term"
)

// terminal returns the width to lay text out in and whether to colour it
// when writing to w: the terminal's own width when w is a terminal, else
// COLUMNS, else term.DefaultWidth; colour as mode and NO_COLOR say (see
// term.UseColor).
func terminal(w io.Writer, mode term.ColorMode) (width int, color bool) {
	tty, ttyWidth := false, 0
	if f, ok := w.(*os.File); ok && xterm.IsTerminal(int(f.Fd())) {
		tty = true
		if cols, _, err := xterm.GetSize(int(f.Fd())); err == nil {
			ttyWidth = cols
		}
	}
	return term.Width(ttyWidth, os.Getenv), term.UseColor(mode, tty, os.Getenv)
}
