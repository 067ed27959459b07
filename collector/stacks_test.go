package collector

import (
	"bytes"
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
