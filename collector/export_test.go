package collector

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// This file gives the external tests (package collector_test) a clock they
// step by hand and a view of each watcher check, so that they drive the
// sampler, the watcher and its cooldown without sleeping.

// FakeClock is a clock that moves only when Advance is called.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

// NewFakeClock returns a clock that reads start until advanced.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the clock's time.
func (f *FakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTicker returns a ticker that fires when Advance passes its period.
func (f *FakeClock) NewTicker(d time.Duration) ticker {
	if d <= 0 {
		panic("collector: fake ticker: non-positive period")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTicker{c: make(chan time.Time), period: d, next: f.now.Add(d), stopped: make(chan struct{})}
	f.tickers = append(f.tickers, t)
	return t
}

// Advance moves the clock forward by d, one due tick at a time, and hands
// each tick to its ticker's reader, waiting until the reader has taken it
// (the reader is the sampler, so after Advance every due sample has been
// taken or is being taken). It fails if a live ticker's reader does not
// take a tick within a minute: that is a deadlock, not a slow machine.
func (f *FakeClock) Advance(d time.Duration) error {
	f.mu.Lock()
	target := f.now.Add(d)
	f.mu.Unlock()
	for {
		f.mu.Lock()
		var due *fakeTicker
		for _, t := range f.tickers {
			if !t.isStopped() && !t.next.After(target) && (due == nil || t.next.Before(due.next)) {
				due = t
			}
		}
		if due == nil {
			f.now = target
			f.mu.Unlock()
			return nil
		}
		at := due.next
		f.now = at
		due.next = at.Add(due.period)
		f.mu.Unlock()
		select {
		case due.c <- at:
		case <-due.stopped:
		case <-time.After(time.Minute):
			return fmt.Errorf("fake clock: tick at %v not taken within a minute", at)
		}
	}
}

type fakeTicker struct {
	c       chan time.Time
	period  time.Duration
	next    time.Time // guarded by the clock's mu
	once    sync.Once
	stopped chan struct{}
}

func (t *fakeTicker) Chan() <-chan time.Time { return t.c }
func (t *fakeTicker) Stop()                  { t.once.Do(func() { close(t.stopped) }) }

func (t *fakeTicker) isStopped() bool {
	select {
	case <-t.stopped:
		return true
	default:
		return false
	}
}

// WithClock makes the collector read time and get its metrics ticks from
// clk.
func WithClock(clk *FakeClock) Option {
	return optionFunc(func(c *config) { c.clock = clk })
}

// WatchCheck is what one watcher check saw and did.
type WatchCheck struct {
	Reasons []string // thresholds the newest sample crossed
	Wrote   bool     // a bundle was written
}

// WithWatchChecks sends every watcher check to ch; the watcher waits for
// the test to take it, until Close.
func WithWatchChecks(ch chan<- WatchCheck) Option {
	return optionFunc(func(c *config) {
		c.watchHook = func(ctx context.Context, reasons []string, wrote bool) {
			select {
			case ch <- WatchCheck{Reasons: reasons, Wrote: wrote}:
			case <-ctx.Done():
			}
		}
	})
}

// Capturing reports whether a capture holds the slot.
func (c *Collector) Capturing() bool { return len(c.slot) > 0 }
