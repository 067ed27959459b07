package collector

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPlanStack(t *testing.T) {
	tests := []struct {
		name       string
		goroutines int
		cost       time.Duration
		budget     time.Duration
		full       bool
		wantTake   bool
		wantReason string
		wantSize   int
	}{
		{"within budget", 100, 10 * time.Microsecond, 5 * time.Millisecond, false, true, "within budget", 100*4096*5/4 + 64<<10},
		{"over budget", 100_000, 10 * time.Microsecond, 5 * time.Millisecond, false, false, "exceeds budget", 0},
		{"full overrides", 100_000, 10 * time.Microsecond, 5 * time.Millisecond, true, true, "full=1", 1 << 20},
		{"zero budget", 1, time.Microsecond, 0, false, false, "exceeds budget", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planStack(tt.goroutines, tt.cost, 4096, tt.budget, 1<<20, tt.full)
			if p.take != tt.wantTake || !strings.Contains(p.reason, tt.wantReason) || p.size != tt.wantSize {
				t.Errorf("planStack = %+v, want take=%v reason~%q size=%d", p, tt.wantTake, tt.wantReason, tt.wantSize)
			}
			if p.estimated != time.Duration(tt.goroutines)*tt.cost {
				t.Errorf("estimated = %v", p.estimated)
			}
		})
	}
}

// TestDumpStacksGrows takes real dumps of this process with a buffer too
// small at first.
func TestDumpStacksGrows(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	for range 50 {
		go func() { <-stop }()
	}
	text, pause, calls, truncated := dumpStacks(1024, 64<<20)
	if truncated || calls < 2 || pause <= 0 {
		t.Fatalf("calls=%d pause=%v truncated=%v, want a grown, complete dump", calls, pause, truncated)
	}
	if n := bytes.Count(text, []byte("\ngoroutine ")) + 1; n < 50 {
		t.Errorf("dump holds %d goroutines, want ≥ 50", n)
	}
	if !bytes.HasPrefix(text, []byte("goroutine ")) {
		t.Errorf("dump starts %q", text[:20])
	}
	cut, _, _, truncated := dumpStacks(1024, 4096)
	if !truncated || len(cut) != 4096 {
		t.Errorf("capped dump: %d bytes, truncated=%v; want 4096 and truncated", len(cut), truncated)
	}
}

// TestGuardLearns: with the default budget a process of a few hundred
// goroutines gets the text dump, and the next capture's estimate uses the
// per-goroutine cost measured at that dump instead of the 10 µs default.
func TestGuardLearns(t *testing.T) {
	if DefaultStackBudget/defaultStackCostPerGoroutine <= 3*minGoroutinesToLearn {
		t.Fatalf("the default guard dumps at most %d goroutines before learning, too close to the learning threshold %d",
			DefaultStackBudget/defaultStackCostPerGoroutine, minGoroutinesToLearn)
	}
	stop := make(chan struct{})
	defer close(stop)
	for range 250 {
		go func() { <-stop }()
	}
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := CaptureRequest{Include: []Part{PartGoroutines}}
	m, err := c.Capture(context.Background(), io.Discard, req)
	if err != nil {
		t.Fatal(err)
	}
	if sd := m.StackDump; sd == nil || !sd.Taken {
		t.Fatalf("first capture of %d goroutines: %+v, want the dump taken within the default budget", m.Goroutines, m.StackDump)
	}
	learnt := time.Duration(c.stackCostNs.Load())
	if learnt <= 0 {
		t.Fatal("no per-goroutine cost learnt from a dump of 250+ goroutines")
	}
	m, err = c.Capture(context.Background(), io.Discard, req)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Duration(m.Goroutines) * learnt; m.StackDump.EstimatedPause != want {
		t.Errorf("second estimate %v, want %d goroutines × learnt %v = %v", m.StackDump.EstimatedPause, m.Goroutines, learnt, want)
	}
	t.Logf("learnt %v per goroutine; second capture: %s", learnt, m.StackDump.Reason)
}

// TestGuardForgetsStaleCost: a per-goroutine cost learnt at a bad moment
// does not make the guard skip the text dump for good: each skip moves it
// back toward the default, so a process the default budget fits gets its
// dump again after a few captures, and the estimate never drops below the
// default.
func TestGuardForgetsStaleCost(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	for range 250 {
		go func() { <-stop }()
	}
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.stackCostNs.Store(int64(50 * defaultStackCostPerGoroutine)) // as if learnt while starved
	req := CaptureRequest{Include: []Part{PartGoroutines}}
	skipped := 0
	for i := range 40 {
		m, err := c.Capture(context.Background(), io.Discard, req)
		if err != nil {
			t.Fatal(err)
		}
		if m.StackDump.Taken {
			t.Logf("dump taken again after %d skipped captures: %s", skipped, m.StackDump.Reason)
			return
		}
		skipped++
		if got := time.Duration(c.stackCostNs.Load()); got < defaultStackCostPerGoroutine {
			t.Fatalf("capture %d: learnt cost %v fell below the default %v", i, got, defaultStackCostPerGoroutine)
		}
	}
	t.Fatalf("the guard skipped %d captures in a row on a stale cost of %v", skipped, 50*defaultStackCostPerGoroutine)
}
