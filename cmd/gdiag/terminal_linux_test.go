package main

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair of cols columns: the program writes
// to tty, the test reads what it wrote from master.
func openPTY(t *testing.T, cols uint16) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open pts: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: cols}); err != nil {
		t.Fatalf("set window size: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// runOnTTY runs the CLI with standard output on a real terminal of cols
// columns and returns what the terminal received, escape sequences and all.
func runOnTTY(t *testing.T, cols uint16, args ...string) string {
	t.Helper()
	master, tty := openPTY(t, cols)
	got := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, master) // ends with EIO once the terminal side is closed
		got <- b.Bytes()
	}()
	var stderr bytes.Buffer
	if code := run(args, strings.NewReader(""), tty, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	tty.Close()
	return strings.ReplaceAll(string(<-got), "\r\n", "\n") // the terminal's ONLCR
}

// TestTerminal: on a real terminal the text view takes the terminal's own
// width (over COLUMNS) and colours by default; NO_COLOR and --color=never
// turn colour off.
func TestTerminal(t *testing.T) {
	bundle := leakdata("series-3.gdiag")
	t.Setenv("COLUMNS", "200") // the terminal's own size wins
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")

	out := runOnTTY(t, 72, "analyze", "-v", bundle)
	if !sgr.MatchString(out) {
		t.Errorf("no colour on a terminal:\n%s", out)
	}
	widest := 0
	for _, line := range strings.Split(sgr.ReplaceAllString(out, ""), "\n") {
		widest = max(widest, utf8.RuneCountInString(line))
	}
	if widest > 72 || widest < 60 {
		t.Errorf("widest line %d runes on a 72-column terminal (COLUMNS=200)", widest)
	}

	t.Setenv("NO_COLOR", "1")
	if out := runOnTTY(t, 72, "analyze", bundle); strings.Contains(out, "\x1b") {
		t.Errorf("colour with NO_COLOR set:\n%q", out)
	}
	t.Setenv("NO_COLOR", "")
	if out := runOnTTY(t, 72, "analyze", "--color", "never", bundle); strings.Contains(out, "\x1b") {
		t.Errorf("colour with --color never:\n%q", out)
	}
}
