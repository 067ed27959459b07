package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNothingReadIsAnError: an input from which nothing could be read is
// exit 2 with an error naming the file and why, never an empty "No
// findings." report that CI would take for a clean bill; `--fail-on` cannot
// be fooled by it either. Inputs that are partly readable, or read and
// clean, still give a report.
func TestNothingReadIsAnError(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A real dump whose every goroutine header lost its "]": each
	// goroutine is skipped as malformed.
	cut := regexp.MustCompile(`(?m)^(goroutine \d+ \[[^\]\n]*)\]:$`).ReplaceAll(mustRead(t, debug2Dump), []byte("$1:"))
	allSkipped := write("allskipped.txt", cut)
	// A zip of a real dump under a name gdiag does not know, and no manifest.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.Create("notes/dump.log")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(mustRead(t, debug2Dump))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	notBundle := write("notbundle.zip", zb.Bytes())

	for _, tt := range []struct {
		name   string
		args   []string
		stdin  []byte
		code   int
		stderr []string // substrings
		stdout string   // substring ("" = must be empty)
	}{
		{"every goroutine skipped", []string{"--fail-on", "info", allSkipped}, nil, exitUsage,
			[]string{allSkipped + ": nothing read: looks like a goroutine dump but no goroutine could be read", "35 goroutines skipped"}, ""},
		{"every goroutine skipped, stdin", []string{"-"}, cut, exitUsage,
			[]string{"analyzer: -: nothing read"}, ""},
		{"zip without manifest", []string{notBundle}, nil, exitUsage,
			[]string{notBundle + ": nothing read: a zip file without manifest.json and with no entry gdiag reads (holds notes/dump.log): not a gdiag bundle"}, ""},
		{"one of two read", []string{debug2Dump, allSkipped}, nil, exitUsage,
			[]string{allSkipped + ": nothing read"}, "35 goroutines"},
		// A bundle cut short before its manifest was written is still
		// read from its entries, with a warning.
		{"bundle without manifest", []string{"../../bundle/testdata/nomanifest.gdiag"}, nil, exitOK,
			[]string{"warning: bundle: ../../bundle/testdata/nomanifest.gdiag: no manifest.json"}, "goroutines"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := analyzeCLI(t, tt.stdin, append([]string{"analyze"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q lacks %q", stderr, s)
				}
			}
			if tt.stdout == "" && stdout != "" {
				t.Errorf("want no report, got\n%s", stdout)
			}
			if tt.stdout != "" && !strings.Contains(stdout, tt.stdout) {
				t.Errorf("report lacks %q:\n%s", tt.stdout, stdout)
			}
		})
	}
}
