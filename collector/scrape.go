package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"time"

	"github.com/felixge/fgprof"
	"github.com/grafana/pyroscope-go/godeltaprof"
)

// scrapeProfile is one profile endpoint under pprof/.
type scrapeProfile struct {
	name string
	// heavy profiles run over a window and take the capture slot.
	heavy bool
	doc   string
}

// scrapeProfiles lists the scrape-compatible profile endpoints, with the
// names net/http/pprof and godeltaprof's handlers use.
func scrapeProfiles() []scrapeProfile {
	return []scrapeProfile{
		{name: "goroutine", doc: "stacks of all goroutines; debug=1 text with counts, debug=2 full dump (subject to the stop-the-world budget)"},
		{name: "goroutineleak", doc: "leaked goroutines (GOEXPERIMENT=goroutineleakprofile builds; runs a GC)"},
		{name: "heap", doc: "live heap sample; gc=1 runs a GC first"},
		{name: "allocs", doc: "all allocations since start"},
		{name: "block", doc: "blocking events since start (needs block sampling)"},
		{name: "mutex", doc: "mutex contention since start (needs mutex sampling)"},
		{name: "threadcreate", doc: "stacks that created OS threads"},
		{name: "delta_heap", doc: "heap allocations since the previous scrape (godeltaprof)"},
		{name: "delta_block", doc: "blocking since the previous scrape (godeltaprof)"},
		{name: "delta_mutex", doc: "mutex contention since the previous scrape (godeltaprof)"},
		{name: "profile", heavy: true, doc: "CPU profile over seconds=N (default 30)"},
		{name: "trace", heavy: true, doc: "execution trace over seconds=N (default 1)"},
		{name: "fgprof", heavy: true, doc: "wall-clock profile over seconds=N (default 30); format=folded for folded stacks"},
	}
}

// deltaProfilers are the stateful godeltaprof profilers of one collector:
// each scrape returns what happened since the previous scrape of the same
// path. They are made on first use.
type deltaProfilers struct {
	once         sync.Once
	heap         *godeltaprof.HeapProfiler
	block, mutex *godeltaprof.BlockProfiler
}

func (d *deltaProfilers) init() {
	d.once.Do(func() {
		d.heap = godeltaprof.NewHeapProfiler()
		d.block = godeltaprof.NewBlockProfiler()
		d.mutex = godeltaprof.NewMutexProfiler()
	})
}

// scrapeError answers like net/http/pprof does: plain text with the
// X-Go-Pprof header, so scrapers log the message.
func scrapeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("X-Go-Pprof", "1")
	w.Header().Del("Content-Disposition")
	http.Error(w, msg, status)
}

// intParam parses an integer query parameter; def when absent.
func intParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("collector: %s=%q: want an integer", name, s)
	}
	return v, nil
}

// serveProfile answers pprof/<name>.
func (c *Collector) serveProfile(w http.ResponseWriter, r *http.Request, name string) {
	debug, err := intParam(r, "debug", 0)
	if err != nil {
		scrapeError(w, http.StatusBadRequest, err.Error())
		return
	}
	gc, err := intParam(r, "gc", 0)
	if err != nil {
		scrapeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.URL.Query().Has("seconds") && name != "profile" && name != "trace" && name != "fgprof" {
		// net/http/pprof would diff two snapshots; the delta_ endpoints
		// do that for heap, block and mutex between scrapes.
		scrapeError(w, http.StatusBadRequest, fmt.Sprintf("collector: seconds is not supported for %s; scrape pprof/delta_heap, delta_block or delta_mutex for profiles since the previous scrape", name))
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch name {
	case "delta_heap", "delta_block", "delta_mutex":
		c.delta.init()
		p := map[string]interface{ Profile(io.Writer) error }{
			"delta_heap": c.delta.heap, "delta_block": c.delta.block, "delta_mutex": c.delta.mutex,
		}[name]
		if name == "delta_heap" && gc > 0 {
			runtime.GC()
		}
		setBinary(w, name+".pprof.gz")
		if err := p.Profile(w); err != nil {
			c.report(fmt.Errorf("collector: %s: %w", name, err))
		}
		return
	case "profile", "trace", "fgprof":
		c.serveWindow(w, r, name)
		return
	}
	p := pprof.Lookup(name)
	if p == nil {
		scrapeError(w, http.StatusNotFound, fmt.Sprintf("collector: no %s profile in this build (goroutineleak needs GOEXPERIMENT=goroutineleakprofile)", name))
		return
	}
	if name == "goroutine" && debug >= 2 {
		plan := planStack(runtime.NumGoroutine(), c.stackCost(), c.stackBytes(), c.cfg.stackBudget, c.cfg.maxStackBytes, r.URL.Query().Get("full") == "1")
		if !plan.take {
			scrapeError(w, http.StatusServiceUnavailable, "collector: goroutine?debug=2: "+plan.reason)
			return
		}
	}
	if name == "heap" && gc > 0 {
		runtime.GC()
	}
	if debug > 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		setBinary(w, name)
	}
	if err := p.WriteTo(w, debug); err != nil {
		c.report(fmt.Errorf("collector: pprof/%s: %w", name, err))
	}
}

func setBinary(w http.ResponseWriter, file string) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
}

// serveWindow answers the profiles that run over a window: CPU profile,
// execution trace and fgprof. They hold the capture slot, so they never
// overlap each other or a bundle capture (429 with Retry-After otherwise).
func (c *Collector) serveWindow(w http.ResponseWriter, r *http.Request, name string) {
	def := 30.0
	if name == "trace" {
		def = 1
	}
	secs := def
	if s := r.URL.Query().Get("seconds"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			scrapeError(w, http.StatusBadRequest, fmt.Sprintf("collector: seconds=%q: want a number > 0", s))
			return
		}
		secs = v
	}
	if secs > c.cfg.maxSeconds {
		scrapeError(w, http.StatusBadRequest, fmt.Sprintf("collector: seconds %v exceeds the limit of %v (WithMaxSeconds)", secs, c.cfg.maxSeconds))
		return
	}
	format := fgprof.FormatPprof
	if name == "fgprof" {
		switch f := r.URL.Query().Get("format"); f {
		case "", "pprof":
		case "folded":
			format = fgprof.FormatFolded
		default:
			scrapeError(w, http.StatusBadRequest, fmt.Sprintf("collector: format=%q: want pprof or folded", f))
			return
		}
		n := runtime.NumGoroutine()
		if cost := float64(n) * 1e-6 * 99; cost > c.cfg.fgprofBudget {
			scrapeError(w, http.StatusServiceUnavailable, fmt.Sprintf("collector: fgprof refused: %d goroutines × 1µs × 99 Hz ≈ %.2f cores exceeds the budget of %.2f cores (WithFgprofBudget)", n, cost, c.cfg.fgprofBudget))
			return
		}
	}
	d := time.Duration(secs * float64(time.Second))
	release, err := c.acquire(d)
	if err != nil {
		w.Header().Set("X-Go-Pprof", "1")
		c.refuse(w, err)
		return
	}
	defer release()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + 30*time.Second))
	ctx, cancel := context.WithTimeout(r.Context(), min(d+time.Second, c.cfg.maxCapture))
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()

	c.samplingOn(SampleDuringCapture)
	defer c.samplingOff(SampleDuringCapture)
	// The profile is written to w as it is made; on a failure to start,
	// nothing has been written and the error can still be sent.
	switch name {
	case "profile":
		setBinary(w, "profile")
		if err := pprof.StartCPUProfile(w); err != nil {
			scrapeError(w, http.StatusInternalServerError, "collector: cpu profile: "+err.Error())
			return
		}
		_ = sleep(ctx, d)
		pprof.StopCPUProfile()
	case "trace":
		setBinary(w, "trace")
		if err := trace.Start(w); err != nil {
			scrapeError(w, http.StatusInternalServerError, "collector: trace: "+err.Error())
			return
		}
		_ = sleep(ctx, d)
		trace.Stop()
	case "fgprof":
		if format == fgprof.FormatFolded {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			setBinary(w, "fgprof")
		}
		stopProf := fgprof.Start(w, format)
		_ = sleep(ctx, d)
		if err := stopProf(); err != nil {
			c.report(fmt.Errorf("collector: fgprof: %w", err))
		}
	}
}

// stackCost and stackBytes are the stop-the-world guard's current
// per-goroutine estimates.
func (c *Collector) stackCost() time.Duration {
	if v := time.Duration(c.stackCostNs.Load()); v > 0 {
		return v
	}
	return defaultStackCostPerGoroutine
}

func (c *Collector) stackBytes() int64 {
	if v := c.stackBytesPer.Load(); v > 0 {
		return v
	}
	return defaultStackBytesPerGoroutine
}

// acquire takes the capture slot for a window of d, as a bundle capture
// does: ErrBusy when another heavy capture runs, ErrClosed after Close.
func (c *Collector) acquire(d time.Duration) (release func(), err error) {
	if !c.enter() {
		return nil, ErrClosed
	}
	select {
	case c.slot <- struct{}{}:
	default:
		c.wg.Done()
		return nil, ErrBusy
	}
	c.busyUntil.Store(time.Now().Add(d + time.Second).UnixNano())
	return func() {
		c.busyUntil.Store(0)
		<-c.slot
		c.wg.Done()
	}, nil
}

// refuse answers a capture that could not start.
func (c *Collector) refuse(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", c.retryAfter(time.Now()))
		http.Error(w, err.Error(), http.StatusTooManyRequests)
	case errors.Is(err, ErrBadRequest):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, ErrClosed):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// pprofLookup reports whether the runtime has the named profile.
func pprofLookup(name string) bool { return pprof.Lookup(name) != nil }
