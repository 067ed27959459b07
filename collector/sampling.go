package collector

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// SamplingScope says when the collector turns block or mutex sampling on.
type SamplingScope int

const (
	// SampleAlways turns sampling on in New and restores it in Close: the
	// cumulative and delta_ profiles cover the process's life, at a
	// constant cost (see benchmarks/sampling_test.go).
	SampleAlways SamplingScope = iota + 1
	// SampleDuringCapture turns sampling on only while a capture with a
	// window runs (a bundle with seconds > 0, pprof/profile, pprof/trace,
	// pprof/fgprof) and restores it afterwards; a bundle's block and mutex
	// profiles are then deltas over its window (the manifest entry's
	// seconds), not the process's cumulative counts, so an earlier
	// window's contention never counts in a later one. No cost between
	// captures.
	SampleDuringCapture
)

func (s SamplingScope) String() string {
	switch s {
	case SampleAlways:
		return "process"
	case SampleDuringCapture:
		return "capture"
	}
	return ""
}

// WithBlockProfileRate has the collector call runtime.SetBlockProfileRate
// (rate nanoseconds of blocking per sampled event; 1 samples every event)
// for the process's life or only during captures. Restoring sets the rate
// back to 0, as the runtime cannot report the rate it had. Without this
// option the block profile is empty unless the service sets the rate
// itself, and bundles say so.
func WithBlockProfileRate(rate int, scope SamplingScope) Option {
	return optionFunc(func(c *config) {
		if rate <= 0 {
			c.errorf("block profile rate %d: must be positive", rate)
		}
		if scope != SampleAlways && scope != SampleDuringCapture {
			c.errorf("block profile scope %d: want SampleAlways or SampleDuringCapture", scope)
		}
		c.blockRate, c.blockScope = rate, scope
	})
}

// WithMutexProfileFraction has the collector call
// runtime.SetMutexProfileFraction(fraction) (on average 1/fraction of
// contention events are sampled) for the process's life or only during
// captures; restoring puts back the fraction in force before.
func WithMutexProfileFraction(fraction int, scope SamplingScope) Option {
	return optionFunc(func(c *config) {
		if fraction <= 0 {
			c.errorf("mutex profile fraction %d: must be positive", fraction)
		}
		if scope != SampleAlways && scope != SampleDuringCapture {
			c.errorf("mutex profile scope %d: want SampleAlways or SampleDuringCapture", scope)
		}
		c.mutexFraction, c.mutexScope = fraction, scope
	})
}

// sampling applies the contention sampling options. Sampling rates are
// process-wide; nesting is counted so that overlapping windows (a bundle
// and a scrape cannot overlap, but the watcher's capture is a capture too)
// restore once.
type sampling struct {
	mu        sync.Mutex
	active    int
	prevMutex int
	// blockOn and mutexOn say whether the collector's rates are in force.
	blockOn, mutexOn bool
	since            time.Time // when SampleAlways sampling was turned on
}

// on turns on the sampling of the given scope.
func (c *Collector) samplingOn(scope SamplingScope) {
	s := &c.sampling
	s.mu.Lock()
	defer s.mu.Unlock()
	if scope == SampleDuringCapture {
		s.active++
		if s.active > 1 {
			return
		}
	}
	if c.cfg.blockScope == scope {
		runtime.SetBlockProfileRate(c.cfg.blockRate)
		s.blockOn = true
	}
	if c.cfg.mutexScope == scope {
		s.prevMutex = runtime.SetMutexProfileFraction(c.cfg.mutexFraction)
		s.mutexOn = true
	}
	if scope == SampleAlways && (s.blockOn || s.mutexOn) {
		s.since = time.Now()
	}
}

// samplingOff restores what samplingOn changed for scope.
func (c *Collector) samplingOff(scope SamplingScope) {
	s := &c.sampling
	s.mu.Lock()
	defer s.mu.Unlock()
	if scope == SampleDuringCapture {
		s.active--
		if s.active > 0 {
			return
		}
	}
	if c.cfg.blockScope == scope && s.blockOn {
		runtime.SetBlockProfileRate(0)
		s.blockOn = false
	}
	if c.cfg.mutexScope == scope && s.mutexOn {
		runtime.SetMutexProfileFraction(s.prevMutex)
		s.mutexOn = false
	}
}

// samplingState is the manifest's record of contention sampling, read at
// the end of a capture (before a capture-scoped rate is restored).
func (c *Collector) samplingState() *bundle.Sampling {
	c.sampling.mu.Lock()
	blockOn, since := c.sampling.blockOn, c.sampling.since
	c.sampling.mu.Unlock()
	st := &bundle.Sampling{MutexFraction: runtime.SetMutexProfileFraction(-1), Since: since}
	if blockOn {
		st.BlockRate, st.BlockRateKnown = c.cfg.blockRate, true
	}
	switch {
	case c.cfg.blockScope != 0:
		st.Scope = c.cfg.blockScope.String()
	case c.cfg.mutexScope != 0:
		st.Scope = c.cfg.mutexScope.String()
	}
	st.BlockRecords, _ = runtime.BlockProfile(nil)
	st.MutexRecords, _ = runtime.MutexProfile(nil)
	st.Notes = samplingNotes(st)
	return st
}

// samplingNotes are the one-line explanations of empty contention profiles.
func samplingNotes(st *bundle.Sampling) []string {
	var out []string
	if st.BlockOff() {
		out = append(out, "block profile empty: block sampling off (runtime.SetBlockProfileRate was not called; collector.WithBlockProfileRate turns it on)")
	}
	if st.MutexOff() {
		out = append(out, fmt.Sprintf("mutex profile empty: mutex sampling off (runtime.SetMutexProfileFraction is %d; collector.WithMutexProfileFraction turns it on)", st.MutexFraction))
	}
	return out
}
