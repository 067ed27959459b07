package collector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// Defaults of the options. They are constants so that callers can reason
// about the cost of an unconfigured collector.
const (
	DefaultMetricsInterval    = time.Second
	DefaultHistory            = 20 * time.Minute // 1200 samples ≈ 0.5 MiB at the default interval
	DefaultStackBudget        = 5 * time.Millisecond
	DefaultLeakBudget         = 50 * time.Millisecond
	DefaultMaxStackBytes      = 256 << 20
	DefaultMaxCaptureDuration = 2 * time.Minute
	DefaultMaxSeconds         = 60.0
	DefaultSeconds            = 5.0
	DefaultMaxBundleBytes     = 1 << 30
	DefaultFgprofBudget       = 0.25 // of one core: 2525 goroutines at 1 µs × 99 Hz
	DefaultFlightMinAge       = 10 * time.Second
	DefaultFlightMaxBytes     = 16 << 20
	DefaultWatchCooldown      = 10 * time.Minute
	DefaultWatchMaxBundles    = 5
	DefaultWatchMaxBytes      = 512 << 20
	DefaultWatchSeconds       = 5.0

	// maxRingBytes bounds the metrics ring whatever WithHistory asks for.
	maxRingBytes = 64 << 20
)

// Option configures a Collector. Options are applied in order by New, which
// validates all of them at once and reports every problem in one error.
// The interface is closed: only this package's With functions make Options.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the validated configuration of a Collector.
type config struct {
	token          string
	allowRemote    bool
	onError        func(error)
	interval       time.Duration
	history        time.Duration
	stackBudget    time.Duration
	leakBudget     time.Duration
	maxStackBytes  int
	maxCapture     time.Duration
	maxSeconds     float64
	maxBundleBytes int64
	fgprofBudget   float64
	flight         bool
	flightMinAge   time.Duration
	flightMaxBytes uint64
	pools          []PoolReporter
	watch          *WatchOptions
	remoteFull     bool          // safety.go: WithRemoteFullDump
	fullInterval   time.Duration // safety.go: WithFullDumpInterval
	redact         bool          // safety.go: WithRedaction
	leakWatch      LeakWatcher
	blockRate      int
	blockScope     SamplingScope // 0: the collector leaves the block rate alone
	mutexFraction  int
	mutexScope     SamplingScope // 0: the collector leaves the mutex fraction alone

	// clock is real time; this package's tests set a stepped one
	// (export_test.go), and watchHook to observe each watcher check.
	clock     clock
	watchHook func(ctx context.Context, reasons []string, wrote bool)

	errs []error // problems found while applying options
}

func defaultConfig() config {
	return config{
		interval:       DefaultMetricsInterval,
		history:        DefaultHistory,
		stackBudget:    DefaultStackBudget,
		leakBudget:     DefaultLeakBudget,
		maxStackBytes:  DefaultMaxStackBytes,
		maxCapture:     DefaultMaxCaptureDuration,
		maxSeconds:     DefaultMaxSeconds,
		maxBundleBytes: DefaultMaxBundleBytes,
		fgprofBudget:   DefaultFgprofBudget,
		fullInterval:   DefaultFullDumpInterval,
		clock:          realClock{},
	}
}

func (c *config) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("collector: "+format, args...))
}

// validate checks the cross-option rules after every option was applied.
func (c *config) validate() error {
	if c.interval <= 0 {
		c.errorf("metrics interval %v: must be positive", c.interval)
	} else if c.history < c.interval {
		c.errorf("history %v: must be at least the metrics interval %v", c.history, c.interval)
	} else if n := ringCapacity(c.history, c.interval); int64(n)*sampleBytes > maxRingBytes {
		c.errorf("history %v at interval %v: %d samples exceed the %d-byte ring limit", c.history, c.interval, n, maxRingBytes)
	}
	if c.watch != nil {
		c.watch.validate(c)
	}
	return errors.Join(c.errs...)
}

// WithToken requires every request to the handler to carry the header
// "Authorization: Bearer <token>", from loopback and remote clients alike;
// with a token, remote clients are allowed. The token is compared in
// constant time. An empty token is an error.
func WithToken(token string) Option {
	return optionFunc(func(c *config) {
		if token == "" {
			c.errorf("empty token")
		}
		c.token = token
	})
}

// WithAllowRemote lets clients from non-loopback addresses use the handler
// without a token. Use it only behind an authenticating proxy: note that the
// handler judges the connection's address and ignores X-Forwarded-For.
func WithAllowRemote() Option {
	return optionFunc(func(c *config) { c.allowRemote = true })
}

// WithErrorHandler sets the function that receives errors of background work
// (metrics sampling, the watcher, recovered panics). It is called from the
// collector's goroutines, possibly concurrently, and must not block for long.
// By default such errors are dropped.
func WithErrorHandler(f func(error)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.errorf("nil error handler")
		}
		c.onError = f
	})
}

// WithMetricsInterval sets how often the metrics ring samples
// runtime/metrics (default 1 s). One sample costs a few microseconds.
func WithMetricsInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.interval = d })
}

// WithHistory sets how far back the metrics ring reaches (default 20 min).
// The ring holds history/interval samples of about 400 bytes each; New
// refuses a ring above 64 MiB.
func WithHistory(d time.Duration) Option {
	return optionFunc(func(c *config) { c.history = d })
}

// WithStackBudget sets the longest stop-the-world pause a bundle's full
// goroutine text dump may cause (default 5 ms). The dump is taken only when
// goroutines × the cost per goroutine measured at the previous dump (10 µs
// before the first) fits the budget; ?full=1 overrides it. Zero means never
// take the text dump unless asked.
func WithStackBudget(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.errorf("stack budget %v: must not be negative", d)
		}
		c.stackBudget = d
	})
}

// WithLeakBudget sets the longest stop-the-world pause the goroutineleak
// profile may cause (default 50 ms). Taking it runs a GC cycle, then the
// runtime's leak detection: a GC cycle that, each time marking reaches a
// fixed point, stops the world to look for goroutines that became
// reachable, and at the end marks every leaked goroutine with the world
// stopped. The profile is taken only when goroutines × the pause per
// goroutine measured at the previous profile (2 µs before the first) fits
// the budget and goroutines × the duration per goroutine measured then (10
// µs before the first) fits 2 s, the detection's worst case being
// quadratic (goroutines that reach each other in chains). Otherwise the
// entry records why it was skipped; ?full=1 overrides. Zero means never
// take it unless asked with full=1.
func WithLeakBudget(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.errorf("leak budget %v: must not be negative", d)
		}
		c.leakBudget = d
	})
}

// WithMaxStackBytes caps the buffer of the full goroutine text dump (default
// 256 MiB). A dump that does not fit is kept and marked Truncated in the
// manifest.
func WithMaxStackBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n < 64<<10 {
			c.errorf("max stack bytes %d: must be at least 64 KiB", n)
		}
		c.maxStackBytes = n
	})
}

// WithMaxCaptureDuration bounds a whole capture, profiling window included
// (default 2 min). A capture that runs out of time is aborted.
func WithMaxCaptureDuration(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.errorf("max capture duration %v: must be positive", d)
		}
		c.maxCapture = d
	})
}

// WithMaxSeconds bounds the profiling window of the CPU and wall-clock
// profiles, in seconds (default 60). Longer requests are refused.
func WithMaxSeconds(seconds float64) Option {
	return optionFunc(func(c *config) {
		if !(seconds > 0) {
			c.errorf("max seconds %v: must be positive", seconds)
		}
		c.maxSeconds = seconds
	})
}

// WithMaxBundleBytes bounds the bytes one capture may write (default 1 GiB)
// and so the memory one entry may buffer. An entry that does not fit is
// recorded as failed; the rest of the bundle is kept.
func WithMaxBundleBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n < 1<<20 {
			c.errorf("max bundle bytes %d: must be at least 1 MiB", n)
		}
		c.maxBundleBytes = n
	})
}

// WithFgprofBudget bounds the wall-clock profiler's cost, as a fraction of one
// core (default 0.25). fgprof samples every goroutine 99 times a second at
// about 1 µs each, so it is skipped (the manifest says why) when
// goroutines × 1 µs × 99 exceeds the budget.
func WithFgprofBudget(coreFraction float64) Option {
	return optionFunc(func(c *config) {
		if !(coreFraction >= 0) {
			c.errorf("fgprof budget %v: must not be negative", coreFraction)
		}
		c.fgprofBudget = coreFraction
	})
}

// WithFlightRecorder starts a runtime/trace.FlightRecorder that keeps at
// least minAge of execution trace in at most about maxBytes of memory; a
// bundle then holds trace.out, the last moments before the capture. Zero
// values select 10 s and 16 MiB. The recorder costs a few percent of CPU
// while it runs (it traces the whole program) and is stopped by Close. If it
// cannot start (another recorder is active) the error handler is told and
// bundles record the trace entry as failed.
func WithFlightRecorder(minAge time.Duration, maxBytes uint64) Option {
	return optionFunc(func(c *config) {
		if minAge < 0 {
			c.errorf("flight recorder min age %v: must not be negative", minAge)
		}
		if minAge == 0 {
			minAge = DefaultFlightMinAge
		}
		if maxBytes == 0 {
			maxBytes = DefaultFlightMaxBytes
		}
		c.flight, c.flightMinAge, c.flightMaxBytes = true, minAge, maxBytes
	})
}

// PoolReporter is an instrumented pool whose counters go into the manifest.
// Package pool's typed pool implements it. Stats is called during captures
// from a collector goroutine and must be safe for concurrent use.
type PoolReporter interface {
	Stats() bundle.PoolStats
}

// WithPools registers instrumented pools, each under the name its Stats
// reports (for package pool, the name given to pool.New). It may be given
// more than once; the pools add up.
func WithPools(rs ...PoolReporter) Option {
	return optionFunc(func(c *config) {
		for i, r := range rs {
			if r == nil {
				c.errorf("pool %d: nil reporter", i)
				continue
			}
			c.pools = append(c.pools, r)
		}
	})
}

// WithWatch starts the watcher: after every metrics sample it compares the
// process against the thresholds of w and writes a bundle to w.Dir when one
// is exceeded. See WatchOptions.
func WithWatch(w WatchOptions) Option {
	return optionFunc(func(c *config) { c.watch = &w })
}
