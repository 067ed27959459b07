package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/felixge/fgprof"
	"github.com/grafana/pyroscope-go/godeltaprof"

	"github.com/gdiag/gdiag/bundle"
)

// Part names one thing a bundle can include; the ?include= query parameter
// takes a comma-separated list of them.
type Part string

// Parts of a bundle.
const (
	PartGoroutines    Part = "goroutines"    // goroutine profile, plus the text dump when the guard allows
	PartHeap          Part = "heap"          // heap profile
	PartAllocs        Part = "allocs"        // allocation profile
	PartBlock         Part = "block"         // block profile (empty unless runtime.SetBlockProfileRate was called)
	PartMutex         Part = "mutex"         // mutex profile (empty unless runtime.SetMutexProfileFraction was called)
	PartThreadcreate  Part = "threadcreate"  // thread creation profile
	PartCPU           Part = "cpu"           // CPU profile over the window
	PartFgprof        Part = "fgprof"        // wall-clock profile over the window
	PartTrace         Part = "trace"         // flight-recorder execution trace
	PartGoroutineLeak Part = "goroutineleak" // goroutines the runtime proved leaked (Go 1.27+; Go 1.26 with GOEXPERIMENT=goroutineleakprofile)
	PartMetrics       Part = "metrics"       // the metrics history
)

// AllParts lists every Part in capture order.
func AllParts() []Part {
	return []Part{PartGoroutineLeak, PartGoroutines, PartHeap, PartAllocs, PartBlock, PartMutex,
		PartThreadcreate, PartCPU, PartFgprof, PartTrace, PartMetrics}
}

// String returns the part's name.
func (p Part) String() string { return string(p) }

// ParseParts parses a comma-separated list of part names; spaces and empty
// items are ignored. An unknown name is an error wrapping ErrBadRequest.
func ParseParts(s string) ([]Part, error) {
	var out []Part
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(AllParts(), Part(f)) {
			return nil, fmt.Errorf("%w: unknown part %q", ErrBadRequest, f)
		}
		if !slices.Contains(out, Part(f)) {
			out = append(out, Part(f))
		}
	}
	return out, nil
}

// CaptureRequest says what a capture takes.
type CaptureRequest struct {
	// Seconds is the window of the CPU and wall-clock profiles, at most the
	// WithMaxSeconds limit. Zero leaves both profiles out of the default set.
	Seconds float64
	// Include lists the parts to take; nil means every part that is
	// available: the window profiles only when Seconds > 0, goroutineleak
	// only in builds that have it, trace only with WithFlightRecorder. A
	// part listed explicitly but unavailable is recorded as a failed entry.
	Include []Part
	// Full takes the full goroutine text dump whatever the stop-the-world
	// budget says, and the goroutineleak profile whatever the leak budget
	// says.
	Full bool
}

// stepFunc writes one entry into w; ctx ends early on cancellation.
type stepFunc func(ctx context.Context, w io.Writer) error

// errEntryTooLarge is returned by a buffer when an entry outgrows the bytes
// left in the bundle's budget.
var errEntryTooLarge = errors.New("entry exceeds the bundle byte budget")

// limitBuffer is a bytes.Buffer that refuses to grow beyond max bytes.
type limitBuffer struct {
	bytes.Buffer
	max int64
}

func (b *limitBuffer) Write(p []byte) (int, error) {
	if int64(b.Len()+len(p)) > b.max {
		return 0, fmt.Errorf("%w (%d bytes)", errEntryTooLarge, b.max)
	}
	return b.Buffer.Write(p)
}

// countingWriter counts bytes and refuses to pass more than limit.
type countingWriter struct {
	w     io.Writer
	n     int64
	limit int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.n+int64(len(p)) > c.limit {
		return 0, fmt.Errorf("collector: bundle exceeds %d bytes", c.limit)
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// manifestReserve is kept free of the byte budget for manifest.json and the
// zip directory.
const manifestReserve = 1 << 20

// capture is the state of one running capture.
type capture struct {
	c       *Collector
	ctx     context.Context
	zw      *bundle.Writer
	cw      *countingWriter
	entries []bundle.Entry
	broken  error // the bundle writer failed: stop

	mu   sync.Mutex
	refs int // the capture itself plus running step goroutines
}

// hold and drop count the users of the capture slot: it is freed when the
// capture and every step goroutine it started (even one abandoned after a
// timeout) are done, so captures never overlap.
func (cp *capture) hold() {
	cp.mu.Lock()
	cp.refs++
	cp.mu.Unlock()
}

func (cp *capture) drop() {
	cp.mu.Lock()
	cp.refs--
	last := cp.refs == 0
	cp.mu.Unlock()
	if last {
		cp.c.busyUntil.Store(0)
		cp.c.busyDeadline.Store(0)
		<-cp.c.slot
	}
}

type stepResult struct {
	data []byte
	took time.Duration
	err  error
}

// start runs f on a labelled goroutine with a buffer limited to the bytes
// left in the budget. A panic in f becomes the step's error.
func (cp *capture) start(part Part, f stepFunc) <-chan stepResult {
	if h := cp.c.stepHook; h != nil {
		if g := h(part); g != nil {
			f = g
		}
	}
	ch := make(chan stepResult, 1)
	left := cp.cw.limit - cp.cw.n - manifestReserve
	cp.hold()
	ok := cp.c.spawn(cp.ctx, "capture-"+string(part), func(ctx context.Context) {
		buf := &limitBuffer{max: max(left, 0)}
		t0 := time.Now()
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("collector: %s: panic: %v", part, r)
				}
			}()
			err = f(ctx, buf)
		}()
		// Let go of the slot before handing over the result: once the
		// capture has every result and returns, the slot must be free,
		// or a capture started right after would be refused as busy.
		cp.drop()
		ch <- stepResult{data: buf.Bytes(), took: time.Since(t0), err: err}
	})
	if !ok {
		cp.drop()
		ch <- stepResult{err: ErrClosed}
	}
	return ch
}

// wait returns the step's result, or the context's error when the capture
// is cancelled or times out first.
func (cp *capture) wait(ch <-chan stepResult) stepResult {
	select {
	case r := <-ch:
		return r
	case <-cp.ctx.Done():
		return stepResult{err: fmt.Errorf("collector: capture aborted: %w", context.Cause(cp.ctx))}
	}
}

// put adds a finished step to the bundle, or records why it failed.
func (cp *capture) put(kind bundle.Kind, r stepResult, seconds float64) {
	name := bundle.DefaultName(kind)
	if cp.broken != nil {
		return
	}
	if r.err != nil {
		cp.fail(kind, r.err, seconds, r.took)
		return
	}
	if err := cp.zw.Add(name, kind, r.data); err != nil {
		cp.broken = err
		return
	}
	cp.zw.SetEntryInfo(name, seconds, r.took)
	cp.entries = append(cp.entries, bundle.Entry{Name: name, Kind: kind, Bytes: int64(len(r.data)), Seconds: seconds, Took: r.took})
}

func (cp *capture) fail(kind bundle.Kind, err error, seconds float64, took time.Duration) {
	name := bundle.DefaultName(kind)
	cp.zw.Fail(name, kind, err)
	cp.zw.SetEntryInfo(name, seconds, took)
	cp.entries = append(cp.entries, bundle.Entry{Name: name, Kind: kind, Seconds: seconds, Took: took, Error: err.Error()})
}

// run runs one step to completion and adds it.
func (cp *capture) run(part Part, kind bundle.Kind, f stepFunc) {
	if cp.stopped() {
		return
	}
	cp.put(kind, cp.wait(cp.start(part, f)), 0)
}

// stopped reports whether the capture must take no more entries.
func (cp *capture) stopped() bool { return cp.broken != nil || cp.ctx.Err() != nil }

// Capture writes a bundle to w: the parts req asks for, then manifest.json.
// It is what the bundle endpoint and the watcher use. At most one capture
// runs at a time (ErrBusy otherwise). The capture ends early when ctx is
// cancelled, when WithMaxCaptureDuration passes or when Close is called;
// the bundle written so far is then closed with a manifest that records
// the aborted entries, if w still accepts it.
//
// Capture returns the manifest it wrote. Both results can be non-nil: an
// aborted capture returns its partial manifest and the cause. A part that
// fails on its own (a CPU profile already running, a panic in a step) is
// recorded as a failed entry and is not an error of the capture.
//
// Cost: the goroutine profile stops the world twice briefly; the full text
// dump only within the stack budget (see WithStackBudget); the CPU and
// wall-clock profiles run for req.Seconds; memory is bounded by the largest
// entry (at most WithMaxBundleBytes).
func (c *Collector) Capture(ctx context.Context, w io.Writer, req CaptureRequest) (*bundle.Manifest, error) {
	// The bundle is built in memory and written to w once the slot is
	// free: a slow w never holds the capture slot.
	var sp spoolWriter
	m, err := c.capture(ctx, &sp, req, c.cfg.maxBundleBytes, nil)
	if sp.Len() > 0 {
		if werr := sp.copyTo(w); werr != nil && err == nil {
			err = fmt.Errorf("collector: writing bundle: %w", werr)
		}
	}
	return m, err
}

// capture is Capture with a byte limit for this bundle and a function
// called once the capture has the slot, before anything is written.
func (c *Collector) capture(ctx context.Context, w io.Writer, req CaptureRequest, limit int64, started func()) (*bundle.Manifest, error) {
	if math.IsNaN(req.Seconds) || req.Seconds < 0 || req.Seconds > c.cfg.maxSeconds {
		return nil, fmt.Errorf("%w: seconds %v: must be in [0, %v]", ErrBadRequest, req.Seconds, c.cfg.maxSeconds)
	}
	for _, p := range req.Include {
		if !slices.Contains(AllParts(), p) {
			return nil, fmt.Errorf("%w: unknown part %q", ErrBadRequest, p)
		}
	}
	if !c.enter() {
		return nil, ErrClosed
	}
	defer c.wg.Done()
	select {
	case c.slot <- struct{}{}:
	default:
		c.stats.busy.Add(1)
		return nil, ErrBusy
	}
	start := time.Now()
	defer func() { c.stats.captured(time.Since(start)) }()
	c.busyUntil.Store(start.Add(time.Duration(req.Seconds*float64(time.Second)) + time.Second).UnixNano())
	c.busyDeadline.Store(start.Add(c.cfg.maxCapture).UnixNano())
	if started != nil {
		started()
	}

	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.maxCapture,
		fmt.Errorf("collector: capture exceeded %v", c.cfg.maxCapture))
	defer cancel()
	stop := context.AfterFunc(c.ctx, func() { cancel() })
	defer stop()

	cw := &countingWriter{w: w, limit: limit}
	cp := &capture{c: c, ctx: ctx, zw: bundle.NewWriter(cw), cw: cw, refs: 1}
	defer cp.drop()

	explicit := req.Include != nil
	want := func(p Part) bool {
		if explicit {
			return slices.Contains(req.Include, p)
		}
		return true
	}
	m := c.baseManifest(start)

	// The leak profile first: the text dump taken right after it marks
	// the goroutines it proved leaked "(leaked)", which proves exactly
	// those goroutines, ids included.
	if want(PartGoroutineLeak) && !cp.stopped() {
		if pprof.Lookup("goroutineleak") != nil {
			c.leakProfile(cp, req.Full, m.Goroutines)
		} else if explicit {
			cp.fail(bundle.KindGoroutineLeak, errNoLeakProfile, 0, 0)
		}
	}
	if want(PartGoroutines) && !cp.stopped() {
		cp.run(PartGoroutines, bundle.KindGoroutineProfile, profileStep("goroutine"))
		if !cp.stopped() {
			full, note := req.Full, ""
			if full {
				full, note = c.allowFull(c.cfg.clock.Now())
			}
			m.StackDump = c.stackDump(cp, full, m.Goroutines)
			if note != "" {
				m.StackDump.Reason += "; " + note
			}
			c.stats.stackDump(m.StackDump)
		}
	}
	type profilePart struct {
		part Part
		kind bundle.Kind
	}
	for _, p := range []profilePart{{PartHeap, bundle.KindHeap}, {PartAllocs, bundle.KindAllocs}, {PartThreadcreate, bundle.KindThreadcreate}} {
		if want(p.part) {
			cp.run(p.part, p.kind, profileStep(string(p.part)))
		}
	}
	// Contention sampling scoped to captures covers the window; the block
	// and mutex profiles are taken after it so that they hold its events,
	// and are written as deltas over the window (entry seconds = the
	// window), so earlier windows' events do not count in this one's rate.
	var deltas map[bundle.Kind]*godeltaprof.BlockProfiler
	var windowStart time.Time
	if req.Seconds > 0 {
		c.samplingOn(SampleDuringCapture)
		defer c.samplingOff(SampleDuringCapture)
		deltas, windowStart = c.windowBaselines(want), time.Now()
	}
	c.window(cp, req, explicit, want, m.Goroutines)
	for _, p := range []profilePart{{PartBlock, bundle.KindBlock}, {PartMutex, bundle.KindMutex}} {
		if !want(p.part) || cp.stopped() {
			continue
		}
		if d := deltas[p.kind]; d != nil {
			r := cp.wait(cp.start(p.part, func(_ context.Context, w io.Writer) error {
				if err := d.Profile(w); err != nil {
					return fmt.Errorf("collector: %s profile over the window: %w", p.part, err)
				}
				return nil
			}))
			cp.put(p.kind, r, time.Since(windowStart).Seconds())
			continue
		}
		cp.run(p.part, p.kind, profileStep(string(p.part)))
	}
	m.Sampling = c.samplingState()
	if want(PartTrace) && !cp.stopped() {
		switch {
		case c.flight != nil:
			cp.run(PartTrace, bundle.KindTrace, func(_ context.Context, w io.Writer) error {
				_, err := c.flight.WriteTo(w)
				return err
			})
		case c.flightErr != nil:
			cp.fail(bundle.KindTrace, c.flightErr, 0, 0)
		case explicit:
			cp.fail(bundle.KindTrace, errors.New("collector: flight recorder not enabled (WithFlightRecorder)"), 0, 0)
		}
	}
	if want(PartMetrics) {
		cp.run(PartMetrics, bundle.KindMetrics, func(_ context.Context, w io.Writer) error {
			return json.NewEncoder(w).Encode(c.History(time.Time{}))
		})
	}
	if !cp.stopped() {
		c.fillManifest(ctx, m)
	}
	if c.cfg.redact {
		redact(m)
	}

	// Record what an aborted capture did not take.
	if err := ctx.Err(); err != nil {
		cause := fmt.Errorf("collector: capture aborted: %w", context.Cause(ctx))
		for _, p := range AllParts() {
			if want(p) && !cp.has(p) {
				if k := partKind(p); k != "" {
					cp.fail(k, cause, 0, 0)
				}
			}
		}
	}
	m.Duration = time.Since(start)
	m.Schema = bundle.SchemaVersion
	closeErr := cp.zw.Finish(*m)
	m.Entries = cp.entries
	switch {
	case cp.broken != nil:
		return m, fmt.Errorf("collector: writing bundle: %w", cp.broken)
	case ctx.Err() != nil:
		return m, fmt.Errorf("collector: capture aborted: %w", context.Cause(ctx))
	case closeErr != nil:
		return m, fmt.Errorf("collector: writing bundle: %w", closeErr)
	}
	return m, nil
}

// partKind is the entry kind of a part; the goroutines part's main entry
// is the profile.
func partKind(p Part) bundle.Kind {
	switch p {
	case PartGoroutines:
		return bundle.KindGoroutineProfile
	case PartGoroutineLeak:
		return bundle.KindGoroutineLeak
	case PartCPU:
		return bundle.KindCPU
	case PartFgprof:
		return bundle.KindFgprof
	case PartTrace:
		return bundle.KindTrace
	case PartMetrics:
		return bundle.KindMetrics
	}
	return bundle.Kind(p)
}

// has reports whether an entry (taken or failed) exists for part.
func (cp *capture) has(p Part) bool {
	k := partKind(p)
	for _, e := range cp.entries {
		if e.Kind == k {
			return true
		}
	}
	// Parts that are not in this build or not enabled are not owed.
	switch p {
	case PartGoroutineLeak:
		return pprof.Lookup("goroutineleak") == nil
	case PartTrace:
		return cp.c.flight == nil && cp.c.flightErr == nil
	}
	return false
}

// windowBaselines starts a delta profiler, at the current counts, for the
// block and mutex profiles that the collector samples only during captures
// (SampleDuringCapture) and that the capture wants; nil when none.
func (c *Collector) windowBaselines(want func(Part) bool) map[bundle.Kind]*godeltaprof.BlockProfiler {
	var out map[bundle.Kind]*godeltaprof.BlockProfiler
	for _, p := range []struct {
		part  Part
		kind  bundle.Kind
		scope SamplingScope
		make  func() *godeltaprof.BlockProfiler
	}{
		{PartBlock, bundle.KindBlock, c.cfg.blockScope, godeltaprof.NewBlockProfiler},
		{PartMutex, bundle.KindMutex, c.cfg.mutexScope, godeltaprof.NewMutexProfiler},
	} {
		if p.scope != SampleDuringCapture || !want(p.part) {
			continue
		}
		d := p.make()
		if d.Profile(io.Discard) != nil {
			continue // the cumulative profile then
		}
		if out == nil {
			out = map[bundle.Kind]*godeltaprof.BlockProfiler{}
		}
		out[p.kind] = d
	}
	return out
}

// profileStep writes the named runtime/pprof profile in protobuf form.
func profileStep(name string) stepFunc {
	return func(_ context.Context, w io.Writer) error {
		p := pprof.Lookup(name)
		if p == nil {
			return fmt.Errorf("collector: no %s profile in this runtime", name)
		}
		if err := p.WriteTo(w, 0); err != nil {
			return fmt.Errorf("collector: %s profile: %w", name, err)
		}
		return nil
	}
}

// window runs the CPU and wall-clock profiles over the same window.
func (c *Collector) window(cp *capture, req CaptureRequest, explicit bool, want func(Part) bool, goroutines int) {
	if cp.stopped() {
		return
	}
	d := time.Duration(req.Seconds * float64(time.Second))
	var cpuCh, fgCh <-chan stepResult
	if want(PartCPU) {
		if d > 0 {
			cpuCh = cp.start(PartCPU, func(ctx context.Context, w io.Writer) error {
				// runtime/pprof drops the profile writer's errors: catch
				// them, so that a profile that did not fit is recorded as
				// failed, not as an empty success.
				ew := &errWriter{w: w}
				if err := pprof.StartCPUProfile(ew); err != nil {
					return fmt.Errorf("collector: cpu profile: %w", err)
				}
				err := sleep(ctx, d)
				pprof.StopCPUProfile()
				return ew.result("cpu profile", err)
			})
		} else if explicit {
			cp.fail(bundle.KindCPU, fmt.Errorf("%w: cpu profile needs seconds > 0", ErrBadRequest), 0, 0)
		}
	}
	if want(PartFgprof) {
		cost := float64(goroutines) * 1e-6 * 99 // cores spent sampling
		switch {
		case d <= 0:
			if explicit {
				cp.fail(bundle.KindFgprof, fmt.Errorf("%w: fgprof needs seconds > 0", ErrBadRequest), 0, 0)
			}
		case cost > c.cfg.fgprofBudget:
			cp.fail(bundle.KindFgprof, fmt.Errorf("collector: fgprof skipped: %d goroutines × 1µs × 99 Hz ≈ %.2f cores exceeds the budget of %.2f cores",
				goroutines, cost, c.cfg.fgprofBudget), req.Seconds, 0)
		default:
			fgCh = cp.start(PartFgprof, func(ctx context.Context, w io.Writer) error {
				ew := &errWriter{w: w}
				stop := fgprof.Start(ew, fgprof.FormatPprof)
				err := sleep(ctx, d)
				if serr := stop(); serr != nil && err == nil {
					err = fmt.Errorf("collector: fgprof: %w", serr)
				}
				return ew.result("fgprof", err)
			})
		}
	}
	if cpuCh != nil {
		cp.put(bundle.KindCPU, cp.wait(cpuCh), req.Seconds)
	}
	if fgCh != nil {
		cp.put(bundle.KindFgprof, cp.wait(fgCh), req.Seconds)
	}
}

// errWriter remembers the first write error and counts bytes.
type errWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.n += int64(n)
	e.err = err
	return n, err
}

// result is the step's error: err, else the first write error, else an
// error for a profile that wrote nothing.
func (e *errWriter) result(what string, err error) error {
	switch {
	case err != nil:
		return err
	case e.err != nil:
		return fmt.Errorf("collector: %s: %w", what, e.err)
	case e.n == 0:
		return fmt.Errorf("collector: %s: empty", what)
	}
	return nil
}

// sleep waits for d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("collector: capture aborted: %w", context.Cause(ctx))
	}
}

// baseManifest fills what is known before anything is captured.
func (c *Collector) baseManifest(start time.Time) *bundle.Manifest {
	bi, exps := buildInfo()
	return &bundle.Manifest{
		Schema:      bundle.SchemaVersion,
		CapturedAt:  start.UTC(),
		Host:        c.host,
		PID:         c.pid,
		Args:        os.Args,
		GoVersion:   runtime.Version(),
		GOOS:        runtime.GOOS,
		GOARCH:      runtime.GOARCH,
		NumCPU:      runtime.NumCPU(),
		BuildInfo:   bi,
		Experiments: exps,
		Goroutines:  runtime.NumGoroutine(),
	}
}

// processTimeout bounds the gopsutil reads of one capture.
const processTimeout = 2 * time.Second

// fillManifest adds settings, cgroup, process statistics and pools.
func (c *Collector) fillManifest(ctx context.Context, m *bundle.Manifest) {
	cg, err := readCgroup(os.DirFS("/"))
	if err != nil {
		c.report(err)
	}
	m.Cgroup = cg
	rv := readSettings()
	m.Settings = settings(os.LookupEnv, rv, cg)

	pctx, cancel := context.WithTimeout(ctx, processTimeout)
	m.Process = readProcess(pctx)
	cancel()

	for i, p := range c.cfg.pools {
		st, err := poolStats(i, p)
		if err != nil {
			c.report(err)
			continue
		}
		m.Pools = append(m.Pools, st)
	}
}

// poolStats calls the i-th PoolReporter (in the order WithPools got them),
// recovering a panic into an error.
func poolStats(i int, p PoolReporter) (st bundle.PoolStats, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("collector: pool %d: panic: %v", i, r)
		}
	}()
	return p.Stats(), nil
}

// readSettings reads the effective GOGC and GOMEMLIMIT.
func readSettings() runtimeValues {
	s := []metrics.Sample{{Name: keyGOGC}, {Name: keyGOMEMLIMIT}}
	metrics.Read(s)
	var ms bundle.MetricsSample
	if s[0].Value.Kind() == metrics.KindUint64 {
		ms.GOGC = int64(s[0].Value.Uint64())
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		ms.GOMEMLIMIT = int64(s[1].Value.Uint64())
	}
	return currentRuntime(ms)
}
