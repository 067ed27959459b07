package leakwatch

import (
	"errors"
	"fmt"
	"time"

	"github.com/gdiag/gdiag/leaks"
)

// Defaults of Options, chosen for a busy service (50k requests per second,
// 10k–100k goroutines): a snapshot every 30 s costs about 0.1% of one core
// at 10k goroutines (see the README's measurements), the goroutineleak
// profile runs one extra GC cycle every 5 minutes, and an hour of history
// thinned to 12 snapshots judges growth over the last hour.
const (
	DefaultInterval     = 30 * time.Second
	DefaultLeakInterval = 5 * time.Minute
	DefaultWindow       = time.Hour
	DefaultSnapshots    = 12
	DefaultMaxSites     = 20
	DefaultBudget       = 0.01 // of one core
	DefaultMaxGoroutine = 1_000_000
	DefaultWaitBudget   = 5 * time.Millisecond
)

// Options configure a Watch. The zero value is the documented default.
type Options struct {
	// Interval is how often the goroutine profile is taken (default 30 s).
	Interval time.Duration
	// LeakInterval is how often the goroutineleak profile is taken where
	// the runtime has it (Go 1.27, or 1.26 built with
	// GOEXPERIMENT=goroutineleakprofile): it runs one GC cycle with leak
	// detection (default 5 min; negative: never). It is rounded up to a
	// multiple of Interval.
	LeakInterval time.Duration
	// Window is how far back the history reaches (default 1 h); Snapshots
	// is how many snapshots of it are kept and judged (default 12, at least
	// 3): older ones are thinned so that the kept ones stay spread over the
	// window, the newest always kept. Memory is Snapshots × one parsed
	// profile (a few hundred bytes per distinct stack).
	Window    time.Duration
	Snapshots int
	// MaxSites bounds the sites a State lists as findings and the exporter
	// exports, most important first (default 20).
	MaxSites int
	// Budget is the CPU the watch may spend, as a fraction of one core
	// (default 0.01 = 1%). Before each step the watch estimates its cost
	// from the previous one (per goroutine) and skips it, saying why, when
	// the estimate exceeds Budget × the step's interval.
	Budget float64
	// MaxGoroutines skips snapshots of processes with more goroutines than
	// this (default 1,000,000): the profile's buffer is proportional to it.
	MaxGoroutines int
	// WaitBudget is the longest stop-the-world pause the full goroutine
	// text dump may cause at a step (default 5 ms, the collector's stack
	// budget; negative: never take it). The dump (runtime.Stack of every
	// goroutine, about 10 µs per goroutine, measured at each dump) is taken
	// only when goroutines × that cost fits, so in processes of up to a few
	// hundred goroutines. It carries the runtime's wait times (", N
	// minutes") over to the profile's stacks: goroutines blocked at one place
	// for 10 minutes and more are a likely leak even when they do not grow
	// and the runtime cannot prove it.
	WaitBudget time.Duration
	// Labels are the pprof label keys that split a leak site: goroutines
	// blocked at the same place from the same function but with different
	// values of these labels are different sites (e.g. "handler"). Other
	// labels are ignored. Each key multiplies the exported series; keep it
	// to low-cardinality labels.
	Labels []string
	// Find holds the thresholds and rules of leaks.Find (Ignore, Benign,
	// PileUp, PileUpLarge, LongWait). History and Leaked are set by the
	// watch; Quiescent must stay false for a running service.
	Find leaks.Options
	// MinGrowth is the net growth over the history that counts as growing
	// (leaks.DiffOptions.MinGrowth; default 10 goroutines).
	MinGrowth int
	// Now is the clock (default time.Now). Tests inject one to drive Step
	// without sleeping.
	Now func() time.Time
}

func (o *Options) resolve() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("leakwatch: "+format, args...)) }
	if o.Interval < 0 || o.Window < 0 || o.Snapshots < 0 || o.MaxSites < 0 || o.Budget < 0 || o.MaxGoroutines < 0 || o.MinGrowth < 0 {
		bad("negative option")
	}
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.LeakInterval == 0 {
		o.LeakInterval = DefaultLeakInterval
	}
	if o.LeakInterval > 0 && o.LeakInterval < o.Interval {
		o.LeakInterval = o.Interval
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.Window < o.Interval {
		bad("window %v is shorter than the interval %v", o.Window, o.Interval)
	}
	if o.Snapshots == 0 {
		o.Snapshots = DefaultSnapshots
	}
	if o.Snapshots < 3 {
		bad("snapshots %d: need at least 3 to see sustained growth", o.Snapshots)
	}
	if o.MaxSites == 0 {
		o.MaxSites = DefaultMaxSites
	}
	if o.Budget == 0 {
		o.Budget = DefaultBudget
	}
	if o.WaitBudget == 0 {
		o.WaitBudget = DefaultWaitBudget
	}
	if o.MaxGoroutines == 0 {
		o.MaxGoroutines = DefaultMaxGoroutine
	}
	if o.Find.Quiescent {
		bad("Find.Quiescent: a running service is never quiescent")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return errors.Join(errs...)
}
