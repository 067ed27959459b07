package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the experiment's child process:
// run starts os.Executable() with -serve.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestExperimentSmall runs the whole experiment on a tiny scale (a small
// live heap, one round, a few cycles per setting) and checks that every
// step produced numbers: the bundle was captured and calibrated the model,
// every setting was measured, and the recommendation was applied. The
// accuracy claim is benchmarks/gcvalidate_test.go's, at full scale. Runs
// are sized for 8 predicted cycles so that a model off by half still leaves
// the 3 the check needs (4 left GOGC=400 with 2 on a loaded machine).
func TestExperimentSmall(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-sessions", "3000", "-warmup", "200ms", "-requests", "1000", "-bundle-requests", "2000",
		"-rounds", "1", "-min-cycles", "8", "-target", "0.001", "-json"}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errb.String())
	}
	var res results
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Model.Cycles == 0 || res.Model.CPUPerByte <= 0 || res.LiveHeap <= 0 {
		t.Errorf("model not calibrated from the bundle: %+v, live heap %d", res.Model, res.LiveHeap)
	}
	if len(res.Rows) != 6 || !res.Rows[5].Recommended || res.Recommend == "" {
		t.Fatalf("%d rows, recommendation %q", len(res.Rows), res.Recommend)
	}
	for _, rw := range res.Rows {
		if len(rw.Runs) != 1 || rw.Share <= 0 || rw.Share >= 1 || rw.Peak <= 0 || rw.PredShare <= 0 || rw.PredPeak <= 0 {
			t.Errorf("%s: runs %d, measured %.3f / %.0f B, predicted %.3f / %d B", rw.Setting, len(rw.Runs), rw.Share, rw.Peak, rw.PredShare, rw.PredPeak)
		}
		if rw.Runs[0].Cycles < 3 {
			t.Errorf("%s: %d cycles in the window", rw.Setting, rw.Runs[0].Cycles)
		}
	}
}

func TestCandidateOf(t *testing.T) {
	for _, tt := range []struct {
		give []string
		want string
	}{
		{[]string{"GOGC=200"}, "GOGC=200"},
		{[]string{"GOGC=off", "GOMEMLIMIT=70MiB"}, "GOGC=off GOMEMLIMIT=70MiB"},
	} {
		c, err := candidateOf(tt.give)
		if err != nil || c.String() != tt.want {
			t.Errorf("candidateOf(%q) = %v, %v; want %s", tt.give, c, err, tt.want)
		}
	}
	if _, err := candidateOf([]string{"GOGC=lots"}); err == nil {
		t.Error("candidateOf(GOGC=lots) succeeded")
	}
}
