package collector

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

type panicPool struct{}

func (panicPool) Stats() bundle.PoolStats { panic("pool exploded") }

// TestPanicsRecovered: a panicking capture step becomes a failed entry, a
// panicking PoolReporter reaches the error handler, and the bundle is kept.
func TestPanicsRecovered(t *testing.T) {
	var mu sync.Mutex
	var errs []string
	c, err := New(WithPools(panicPool{}), WithErrorHandler(func(err error) {
		mu.Lock()
		errs = append(errs, err.Error())
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.stepHook = func(p Part) stepFunc {
		if p == PartHeap {
			return func(context.Context, io.Writer) error { panic("boom") }
		}
		return nil
	}
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, CaptureRequest{Include: []Part{PartHeap, PartAllocs}})
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	got := map[bundle.Kind]bundle.Entry{}
	for _, e := range m.Entries {
		got[e.Kind] = e
	}
	if e := got[bundle.KindHeap]; !strings.Contains(e.Error, "panic: boom") {
		t.Errorf("heap entry %+v: want the recovered panic", e)
	}
	if e := got[bundle.KindAllocs]; e.Error != "" || e.Bytes == 0 {
		t.Errorf("allocs entry %+v: want it taken after the panic", e)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 || !strings.Contains(errs[0], `pool 0: panic: pool exploded`) {
		t.Errorf("error handler got %q", errs)
	}
	b, err := bundle.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "panic bundle")
	if err != nil || len(b.Manifest.Entries) != 2 {
		t.Fatalf("bundle: %v, %+v", err, b)
	}
}

// TestEntryOverBudget: an entry larger than the bytes left is recorded as
// failed and the bundle is still valid.
func TestEntryOverBudget(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.stepHook = func(p Part) stepFunc {
		if p == PartHeap {
			return func(_ context.Context, w io.Writer) error {
				_, err := w.Write(make([]byte, 3<<20))
				return err
			}
		}
		return nil
	}
	var buf bytes.Buffer
	m, err := c.capture(context.Background(), &buf, CaptureRequest{Include: []Part{PartHeap, PartThreadcreate}}, 2<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.Entries[0]; e.Kind != bundle.KindHeap || !strings.Contains(e.Error, "byte budget") {
		t.Errorf("heap entry %+v", e)
	}
	if e := m.Entries[1]; e.Error != "" || e.Bytes == 0 {
		t.Errorf("threadcreate entry %+v", e)
	}
	if buf.Len() > 2<<20 {
		t.Errorf("bundle %d bytes over the 2 MiB limit", buf.Len())
	}
	if _, err := bundle.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "budget bundle"); err != nil {
		t.Error(err)
	}
}

func TestPlanLeak(t *testing.T) {
	const us = time.Microsecond
	for _, tt := range []struct {
		name        string
		goroutines  int
		pause, took time.Duration // per goroutine
		budget      time.Duration
		full, take  bool
		reason      string
	}{
		{"within", 25_000, 2 * us, 10 * us, 50 * time.Millisecond, false, true, ""},
		{"pause above", 25_001, 2 * us, 10 * us, 50 * time.Millisecond, false, false,
			"estimated pause 50.002ms (25001 goroutines × 2µs) exceeds the leak budget 50ms; full=1 overrides"},
		{"learnt chain duration", 1_000, 2 * us, 9 * time.Millisecond, 50 * time.Millisecond, false, false,
			"estimated detection 9s (1000 goroutines × 9ms measured at the last one) exceeds 2s"},
		{"zero budget", 1, us, us, 0, false, false, "exceeds the leak budget 0s"},
		{"full overrides", 1_000, time.Millisecond, 9 * time.Millisecond, 50 * time.Millisecond, true, true, "full=1 requested"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := planLeak(tt.goroutines, tt.pause, tt.took, tt.budget, tt.full)
			if p.take != tt.take || !strings.Contains(p.reason, tt.reason) {
				t.Errorf("planLeak = %+v, want take %v and reason with %q", p, tt.take, tt.reason)
			}
		})
	}
}

// TestLeakCostFades: a pause learnt at a slow detection skips the profile,
// and each skip moves it back toward the default until it fits again.
func TestLeakCostFades(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		t.Skipf("%s has no goroutineleak profile (Go 1.27+, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile)", runtime.Version())
	}
	c, err := New(WithLeakBudget(time.Duration(runtime.NumGoroutine()+50) * defaultLeakPausePerGoroutine))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.leakPauseNs.Store(int64(time.Millisecond))
	req := CaptureRequest{Include: []Part{PartGoroutineLeak}}
	skips := 0
	for ; skips < 50; skips++ {
		m, err := c.Capture(context.Background(), io.Discard, req)
		if err != nil {
			t.Fatal(err)
		}
		if m.Entries[0].Error == "" {
			break
		}
		if !strings.Contains(m.Entries[0].Error, "goroutineleak skipped: estimated pause") {
			t.Fatalf("entry %+v", m.Entries[0])
		}
	}
	if skips == 0 || skips == 50 {
		t.Errorf("taken after %d skips; want some skips, then taken as the learnt pause fades", skips)
	}
}
