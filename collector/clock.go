package collector

import "time"

// clock is where the collector reads the time of day and gets its ticks:
// the metrics sampler (its ticker and each sample's time), the watcher
// (its cooldown and its bundle names), the full-dump interval, the
// history's seconds= window and the index page's cache. A Collector uses realClock; this package's
// tests inject a clock they step by hand (export_test.go), so that no test
// paces itself with sleeps.
//
// Profile windows, capture deadlines (and the Retry-After derived from
// them), connection deadlines and measured pauses stay on the machine's time: they measure the machine, not a
// schedule, and a fake clock would make them lie.
type clock interface {
	Now() time.Time
	NewTicker(d time.Duration) ticker
}

// ticker is the part of *time.Ticker the collector uses.
type ticker interface {
	Chan() <-chan time.Time
	Stop()
}

// realClock is the wall clock and time.NewTicker.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ *time.Ticker }

func (t realTicker) Chan() <-chan time.Time { return t.C }
