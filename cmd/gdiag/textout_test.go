package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gdiag/gdiag/internal/term"
)

// TestTextOutputFlags: --color always/never and NO_COLOR, COLUMNS for the
// width when stdout is not a terminal, -v and --top for the view.
func TestTextOutputFlags(t *testing.T) {
	bundle := leakdata("series-3.gdiag")
	t.Setenv("COLUMNS", "80")
	t.Setenv("NO_COLOR", "")

	_, always, _ := runCLI(t, "analyze", "--color", "always", bundle)
	if !strings.Contains(always, "\x1b[") {
		t.Errorf("--color always wrote no colour:\n%s", always)
	}
	_, never, _ := runCLI(t, "analyze", "--color=never", bundle)
	_, auto, _ := runCLI(t, "analyze", bundle) // not a terminal
	if strings.Contains(never, "\x1b") || strings.Contains(auto, "\x1b") {
		t.Error("colour with --color never, or on a pipe with auto")
	}
	if term.Visible(always) != never {
		t.Error("colour changed the text")
	}
	t.Setenv("NO_COLOR", "1")
	if _, s, _ := runCLI(t, "analyze", "--color", "always", bundle); !strings.Contains(s, "\x1b[") {
		t.Error("--color always must win over NO_COLOR")
	}
	for i, line := range strings.Split(never, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("COLUMNS=80: line %d has %d runes: %q", i+1, n, line)
		}
	}
	_, verbose, _ := runCLI(t, "analyze", "-v", "--color=never", bundle)
	_, top1, _ := runCLI(t, "analyze", "--top", "1", "--color=never", bundle)
	if strings.Count(verbose, "\n") <= strings.Count(never, "\n") || !strings.Contains(verbose, "┌") {
		t.Errorf("-v is not longer than the short view or has no table:\n%s", verbose)
	}
	if strings.Count(top1, "suggestion  ") > 1 {
		t.Errorf("--top 1 showed more than one finding in full:\n%s", top1)
	}
	if code, _, stderr := runCLI(t, "analyze", "--color", "sometimes", bundle); code != exitUsage || !strings.Contains(stderr, "auto, always or never") {
		t.Errorf("--color sometimes: exit %d, stderr %q", code, stderr)
	}
}

// TestHostileDumpNames: function names and paths in a dump with escape
// sequences and bidirectional overrides reach the terminal escaped, in the
// short and the verbose view, on stdout and stderr.
func TestHostileDumpNames(t *testing.T) {
	var dump strings.Builder
	for i := range 30 {
		fmt.Fprintf(&dump, "goroutine %d [chan receive]:\nmain.le\x1b]0;pwned\x07ak\u202egpj(...)\n\t/src/\x1b[2Jmain.go:10 +0x1d\n"+
			"created by main.st\u202eart in goroutine 1\n\t/src/main.go:5 +0x2\n\n", i+10)
	}
	path := filepath.Join(t.TempDir(), "hostile.txt")
	if err := os.WriteFile(path, []byte(dump.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"analyze", path}, {"analyze", "-v", path}, {"analyze", "-v", "--color=always", path}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		out := term.Visible(stdout) + stderr // only gdiag's own colours may remain
		for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%q: %q reached the terminal:\n%s", args, bad, out)
			}
		}
		if !strings.Contains(stdout, `\u202egpj`) {
			t.Errorf("%q: the hostile name is not shown escaped:\n%s", args, stdout)
		}
	}
}
