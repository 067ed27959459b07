package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMeasure parses this test process's own goroutine dump with each parser
// and checks the measurement is consistent.
func TestMeasure(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	for range 200 {
		go func() { <-done }()
	}
	buf := make([]byte, 4<<20)
	dump := buf[:runtime.Stack(buf, true)]
	file := filepath.Join(t.TempDir(), "dump.txt")
	if err := os.WriteFile(file, dump, 0o644); err != nil {
		t.Fatal(err)
	}
	want := bytes.Count(dump, []byte("\ngoroutine ")) + 1
	for _, tt := range []struct {
		name string
		give string // parser
	}{
		{"gdiag one worker", "gdiag-w1"},
		{"gdiag two workers", "gdiag-w2"},
		{"gostackparse", "gostackparse"},
		{"panicparse", "panicparse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"-json", "-parser", tt.give, "-file", file}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var m measurement
			if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			if m.Parser != tt.give || m.Goroutines != want || m.InputBytes != int64(len(dump)) {
				t.Errorf("got %s, %d goroutines, %d bytes; want %s, %d, %d", m.Parser, m.Goroutines, m.InputBytes, tt.give, want, len(dump))
			}
			// The kernel syncs per-thread RSS counters lazily, so VmHWM can
			// read a little below a VmRSS taken earlier (176 KiB seen on a
			// 9 MiB process); allow 1 MiB of that skew.
			if m.BaseRSSBytes <= 0 || m.PeakRSSBytes < m.BaseRSSBytes-1<<20 || m.PeakHeapBytes == 0 || m.RetainedBytes == 0 {
				t.Errorf("implausible memory: %+v", m)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	for _, tt := range []struct {
		name string
		give []string
		want string // in stderr
	}{
		{"no file", nil, "-file is required"},
		{"unknown parser", []string{"-parser", "nope", "-file", "x"}, `unknown parser "nope"`},
		{"bad flag", []string{"-nope"}, "flag provided but not defined"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.give, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}
