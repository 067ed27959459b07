package main

import (
	"bytes"
	"strings"
	"testing"
)

// The dump itself is tested from the benchmarks package, which runs the
// built command (its goroutines never stop, so not in this process).
func TestRunUsage(t *testing.T) {
	for _, tt := range []struct {
		name string
		give []string
		want string // in stderr
	}{
		{"no output", []string{"-n", "10"}, "-o is required"},
		{"zero goroutines", []string{"-n", "0", "-o", "x"}, "-n must be ≥ 1"},
		{"bad flag", []string{"-nope"}, "flag provided but not defined"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(tt.give, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}
