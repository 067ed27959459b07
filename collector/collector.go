package collector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// Label is the pprof label key and value every collector goroutine carries
// (gdiag=collector), so that analyses can tell the collector's own goroutines
// and samples from the application's.
const (
	LabelKey   = "gdiag"
	LabelValue = "collector"
)

// Errors returned by Capture; compare with errors.Is.
var (
	// ErrBusy means another capture is running; at most one runs at a time.
	ErrBusy = errors.New("collector: a capture is already running")
	// ErrClosed means Close was called.
	ErrClosed = errors.New("collector: closed")
	// ErrBadRequest wraps problems with a CaptureRequest.
	ErrBadRequest = errors.New("collector: bad capture request")
)

// Conservative estimates used before the first full goroutine dump has been
// measured.
const (
	defaultStackCostPerGoroutine  = 10 * time.Microsecond
	defaultStackBytesPerGoroutine = 4 << 10
)

// Collector captures diagnostic bundles of the process it runs in, keeps a
// history of runtime/metrics and optionally watches for spikes. Create it
// with New and stop it with Close. All methods are safe for concurrent use.
type Collector struct {
	cfg    config
	ring   *ring
	host   string
	pid    int
	flight *trace.FlightRecorder
	// flightErr is why the flight recorder is not running, if it was asked for.
	flightErr error

	slot      chan struct{} // one capture at a time
	busyUntil atomic.Int64  // unix ns when the running capture should end
	// busyDeadline is unix ns when the running capture is aborted
	// (WithMaxCaptureDuration); lastFull when full=1 last forced a dump.
	busyDeadline atomic.Int64
	lastFull     atomic.Int64
	sends        pendingSends  // bundles being sent to clients (safety.go)
	metricsSem   chan struct{} // one metrics history response at a time
	historyWait  time.Duration // how long a history request waits for metricsSem
	// Measured at the last full goroutine dump: nanoseconds of pause and
	// bytes of text per goroutine.
	stackCostNs   atomic.Int64
	stackBytesPer atomic.Int64
	// Measured at the last goroutineleak profile, per goroutine: the
	// longest GC stop-the-world pause and the whole sequence, in ns.
	leakPauseNs atomic.Int64
	leakTimeNs  atomic.Int64

	// stepHook, when set (by this package's tests only), replaces the
	// function of the named capture step.
	stepHook func(part Part) stepFunc

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	mu     sync.Mutex // guards closed against wg.Add
	closed bool
	notify chan struct{} // sampler → watcher, one pending signal at most
	watch  *watcher
	stats  stats
	delta  deltaProfilers // state of the pprof/delta_* endpoints
	// sampling is the block and mutex sampling the collector turned on.
	sampling sampling
	// cgroups is the index page's cgroup read, renewed once per metrics
	// interval at most.
	cgroups cgroupCache
}

// New validates every option, then starts the metrics sampler (and, when
// asked for, the flight recorder and the watcher). The sampler takes one
// sample right away. Call Close to stop them.
func New(opts ...Option) (*Collector, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			cfg.errorf("nil option")
			continue
		}
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	c := &Collector{
		cfg:    cfg,
		ring:   newRing(ringCapacity(cfg.history, cfg.interval)),
		host:   host,
		pid:    os.Getpid(),
		slot:   make(chan struct{}, 1),
		notify: make(chan struct{}, 1),

		metricsSem:  make(chan struct{}, 1),
		historyWait: historyWait,
		cgroups:     cgroupCache{ttl: cfg.interval, read: func() (*bundle.Cgroup, error) { return readCgroup(os.DirFS("/")) }},
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if cfg.flight {
		fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: cfg.flightMinAge, MaxBytes: cfg.flightMaxBytes})
		// The recorder's reader goroutine inherits the labels of the
		// goroutine that starts it.
		var err error
		pprof.Do(c.ctx, pprof.Labels(LabelKey, LabelValue, "task", "flight-recorder"), func(context.Context) { err = fr.Start() })
		if err != nil {
			c.flightErr = fmt.Errorf("collector: flight recorder: %w", err)
			c.report(c.flightErr)
		} else {
			c.flight = fr
		}
	}
	c.samplingOn(SampleAlways)
	s := newSampler()
	c.ring.push(s.read(c.cfg.clock.Now()))
	// The ticker starts here, not on the sampler's goroutine, so that the
	// first tick is one interval after New returns.
	t := cfg.clock.NewTicker(cfg.interval)
	if !c.spawn(c.ctx, "metrics", func(ctx context.Context) { c.sample(ctx, s, t) }) {
		t.Stop()
	}
	if cfg.watch != nil {
		c.watch = newWatcher(c, *cfg.watch)
		c.spawn(c.ctx, "watch", c.watch.run)
	}
	if cfg.leakWatch != nil {
		c.spawn(c.ctx, "leakwatch", cfg.leakWatch.Run)
	}
	return c, nil
}

// Close stops the sampler, the watcher, the flight recorder and any capture
// in progress, and waits for the collector's goroutines to exit, at most
// CloseTimeout (1 s): a capture never waits for a client, so only a runtime
// call that cannot be interrupted (a profile being written) can outlast it,
// and it then finishes on its own and Close returns an error saying so.
// It is safe to call more than once; later calls return nil.
func (c *Collector) Close() error {
	var err error
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		c.cancel()
		done := make(chan struct{})
		go func() {
			c.wg.Wait()
			close(done)
		}()
		t := time.NewTimer(CloseTimeout)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			err = fmt.Errorf("collector: close: goroutines still finishing after %v; they exit on their own", CloseTimeout)
		}
		if c.flight != nil {
			c.flight.Stop()
		}
		c.samplingOff(SampleAlways)
	})
	return err
}

// enter registers work that Close must wait for; it returns false once
// Close has begun. Each true return must be paired with c.wg.Done.
func (c *Collector) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	return true
}

// spawn starts f on a goroutine labelled gdiag=collector (and task=name)
// that Close waits for. A panic in f is recovered and reported. It returns
// false, without starting f, once Close has begun.
func (c *Collector) spawn(parent context.Context, name string, f func(ctx context.Context)) bool {
	if !c.enter() {
		return false
	}
	go func() {
		defer c.wg.Done()
		pprof.Do(parent, pprof.Labels(LabelKey, LabelValue, "task", name), func(ctx context.Context) {
			defer func() {
				if r := recover(); r != nil {
					c.report(fmt.Errorf("collector: %s: panic: %v", name, r))
				}
			}()
			f(ctx)
		})
	}()
	return true
}

// report hands a background error to the error handler, shielding the
// collector from a handler that panics.
func (c *Collector) report(err error) {
	if err == nil || c.cfg.onError == nil {
		return
	}
	defer func() { _ = recover() }()
	c.cfg.onError(err)
}

// sample runs the metrics ring on t's ticks until ctx is cancelled, then
// stops t.
func (c *Collector) sample(ctx context.Context, s *sampler, t ticker) {
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.Chan():
			c.ring.push(s.read(now))
			select {
			case c.notify <- struct{}{}:
			default:
			}
		}
	}
}

// History returns a copy of the metrics ring, oldest first, restricted to
// samples taken at or after since (all of them for a zero since). It costs
// one copy of the ring under a short lock.
func (c *Collector) History(since time.Time) bundle.MetricsHistory {
	return bundle.MetricsHistory{Interval: c.cfg.interval, Samples: c.ring.since(since)}
}
