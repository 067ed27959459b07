package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for the command: run re-executes
// os.Executable with LEAKSEQ_CHILD set.
func TestMain(m *testing.M) {
	if seq := os.Getenv("LEAKSEQ_CHILD"); seq != "" {
		os.Exit(child(seq, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSequences runs every sequence in one fresh process each: a GC before
// the request, or a second request, lists all 9 known leaks. (That a bare
// first request lists 8 is what the command measures, not what this test
// requires: it is the runtime's behaviour, not ours.)
func TestSequences(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-runs", "1"}, &out, &errb)
	if pprof.Lookup("goroutineleak") == nil {
		if code == 0 || !strings.Contains(errb.String(), "Go 1.26 needs GOEXPERIMENT=goroutineleakprofile") {
			t.Errorf("%s without the profile: exit %d, stderr %q", runtime.Version(), code, errb.String())
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	t.Log(out.String())
	for _, want := range []string{"gc-first  1 of 1", "twice     1 of 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-runs", "0"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "-runs must be ≥ 1") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
