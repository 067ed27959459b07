package collector

import (
	"context"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// LeakWatcher is a live goroutine-leak watch the collector runs and serves:
// package collector/leakwatch's Watch. The collector links no check; the
// watch brings package leaks with it only into services that add it.
type LeakWatcher interface {
	// Run watches until ctx ends. The collector calls it once, on a
	// goroutine labelled gdiag=collector that Close waits for.
	Run(ctx context.Context)
	// ServeHTTP answers GET <mount>/leaks with the current verdicts.
	http.Handler
	// Summary is one line for the index page.
	Summary() string
}

// WithLeakWatch runs w for the collector's lifetime and serves its verdicts
// at <mount>/leaks, with a summary on the index page:
//
//	w, _ := leakwatch.New(leakwatch.Options{})
//	c, _ := collector.New(collector.WithLeakWatch(w))
func WithLeakWatch(w LeakWatcher) Option {
	return optionFunc(func(c *config) {
		if w == nil {
			c.errorf("nil leak watch")
		}
		c.leakWatch = w
	})
}

// Stats are the collector's own cost since New: what it spent capturing
// bundles. The live leak watch counts its own cost (leakwatch.Stats).
type Stats struct {
	// Captures counts bundles captured (complete or aborted), Busy the
	// captures refused because one was running.
	Captures, Busy uint64
	// CaptureSeconds is the wall time spent in captures, profiling windows
	// included.
	CaptureSeconds float64
	// StackDumps counts full goroutine text dumps taken, StackDumpsSkipped
	// those the stop-the-world budget refused; StackPauseSeconds sums the
	// pauses the taken ones caused.
	StackDumps, StackDumpsSkipped uint64
	StackPauseSeconds             float64
}

// stats are the atomic counters behind Stats.
type stats struct {
	captures, busy         atomic.Uint64
	captureNs              atomic.Int64
	stackDumps, stackSkips atomic.Uint64
	stackPauseNs           atomic.Int64
}

func (s *stats) captured(d time.Duration) {
	s.captures.Add(1)
	s.captureNs.Add(int64(d))
}

func (s *stats) stackDump(sd *bundle.StackDump) {
	if sd == nil {
		return
	}
	if sd.Taken {
		s.stackDumps.Add(1)
		s.stackPauseNs.Add(int64(sd.MeasuredPause))
	} else {
		s.stackSkips.Add(1)
	}
}

// Stats returns the collector's own cost so far. It is cheap (atomic loads)
// and safe for concurrent use.
func (c *Collector) Stats() Stats {
	return Stats{
		Captures: c.stats.captures.Load(), Busy: c.stats.busy.Load(),
		CaptureSeconds: time.Duration(c.stats.captureNs.Load()).Seconds(),
		StackDumps:     c.stats.stackDumps.Load(), StackDumpsSkipped: c.stats.stackSkips.Load(),
		StackPauseSeconds: time.Duration(c.stats.stackPauseNs.Load()).Seconds(),
	}
}

// Live is what the collector knows about the process right now, for
// exporters: the newest metrics sample, the effective runtime settings with
// their source, and the cgroup limits and CPU throttling counters.
type Live struct {
	Sample   bundle.MetricsSample
	Settings bundle.Settings
	Cgroup   *bundle.Cgroup
	// CgroupErr is why the cgroup could not be read (nil on success or
	// outside a cgroup).
	CgroupErr error
}

// Live reads the newest sample of the metrics ring, the settings and the
// cgroup files (a few small reads under /sys/fs/cgroup, at most once per
// metrics interval: a scrape loop and the index page share the read). Safe
// for concurrent use.
func (c *Collector) Live() Live {
	cur, _, _, _ := c.ring.last()
	cg, err := c.cgroups.get(c.cfg.clock.Now())
	return Live{Sample: cur, Settings: settings(os.LookupEnv, readSettings(), cg), Cgroup: cg, CgroupErr: err}
}
