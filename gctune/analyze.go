package gctune

import (
	"errors"
	"math"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// ErrNoData is returned by Analyze when the input has neither a metrics
// history with at least two samples nor a gctrace with at least one cycle.
var ErrNoData = errors.New("gctune: no metrics history and no gctrace cycles")

// NoLimit is the GOMEMLIMIT value meaning "no memory limit" (math.MaxInt64).
const NoLimit = math.MaxInt64

// Input is what Analyze reads. Every field is optional, but there must be a
// history or cycles. The manifest adds settings with their source, the cgroup
// limits, the Go version and process statistics. History samples taken
// after the manifest's CapturedAt are left out: during a capture the
// collector's own work (the forced collections of the heap and
// goroutineleak profiles, profiling, compression) runs in the process and
// is not the service's GC behaviour.
type Input struct {
	Manifest *bundle.Manifest
	History  *bundle.MetricsHistory
	Cycles   []Cycle
}

// Options tune Analyze. The zero value is the documented default.
type Options struct {
	// Warmup is the time from process start to ignore in a gctrace (the
	// heap ramps up from 4 MiB at start). Zero means automatic: cycles
	// before the live heap first reaches half its median are ignored. A
	// metrics history always drops its ramp automatically.
	Warmup time.Duration
	// Objective is what the recommendations aim at (zero: the defaults of
	// each Objective field).
	Objective Objective
}

// ShareBasis says what a GC CPU share is a share of. Its JSON form is the
// string ("busy", "capacity", "" when unknown).
type ShareBasis string

// Share bases.
const (
	// ShareBusy: of the CPU the process used (GC + mutator + scavenger).
	ShareBusy ShareBasis = "busy"
	// ShareCapacity: of GOMAXPROCS × wall time, when the mutator CPU is
	// unknown (a gctrace alone).
	ShareCapacity ShareBasis = "capacity"
)

// Result is the GC and scheduler analysis of one input. CPU figures in
// "cores" are CPU-seconds per second of wall time.
type Result struct {
	// HasHistory and HasTrace say which inputs contributed.
	HasHistory bool `json:"has_history"`
	HasTrace   bool `json:"has_trace"`
	// Window is the span of the data analysed.
	Window time.Duration `json:"window_ns"`

	// Cycles counts completed GC cycles in the window, Forced those started
	// by runtime.GC.
	Cycles       int     `json:"cycles"`
	Forced       int     `json:"forced"`
	CyclesPerSec float64 `json:"cycles_per_sec"`

	// Stop-the-world GC pauses (each STW phase counts as one pause). With a
	// history alone these combine per-interval summaries and are approximate.
	PauseP50 time.Duration `json:"pause_p50_ns"`
	PauseP99 time.Duration `json:"pause_p99_ns"`
	PauseMax time.Duration `json:"pause_max_ns"`

	// GC CPU in cores, total and split.
	GCCores        float64 `json:"gc_cores"`
	DedicatedCores float64 `json:"dedicated_cores"` // dedicated + fractional background workers
	AssistCores    float64 `json:"assist_cores"`
	IdleCores      float64 `json:"idle_cores"` // idle-priority mark workers
	PauseCores     float64 `json:"pause_cores"`
	ScavengeCores  float64 `json:"scavenge_cores"`
	// MutatorCores is user (non-GC) CPU; 0 when unknown (gctrace alone).
	MutatorCores float64 `json:"mutator_cores"`
	// GCCPUShare is GC CPU over the CPU the process used (GC + mutator +
	// scavenger) when that is known (ShareBusy), else over GOMAXPROCS ×
	// wall time (ShareCapacity).
	GCCPUShare float64    `json:"gc_cpu_share"`
	ShareBasis ShareBasis `json:"share_basis"`
	// The split of GCCPUShare over the same basis.
	DedicatedShare float64 `json:"dedicated_share"`
	AssistShare    float64 `json:"assist_share"`
	IdleShare      float64 `json:"idle_share"`
	PauseShare     float64 `json:"pause_share"`
	ScavengeShare  float64 `json:"scavenge_share"`

	// Heap figures at the end of the window (bytes).
	LiveHeapBytes    int64 `json:"live_heap_bytes"`
	LiveHeapMaxBytes int64 `json:"live_heap_max_bytes"`
	HeapGoalBytes    int64 `json:"heap_goal_bytes"`
	StacksBytes      int64 `json:"stacks_bytes"`  // scannable stacks
	GlobalsBytes     int64 `json:"globals_bytes"` // scannable globals
	ScanHeapBytes    int64 `json:"scan_heap_bytes,omitempty"`
	// PeakHeapBytes is the largest heap seen (heap objects, or the heap at
	// the end of marking in a gctrace).
	PeakHeapBytes int64 `json:"peak_heap_bytes"`
	// PeakTotalMemoryBytes is the largest Go runtime memory (mapped, not
	// released) seen; 0 without a history.
	PeakTotalMemoryBytes int64 `json:"peak_total_memory_bytes,omitempty"`
	// AllocBytesPerSec is the heap allocation rate.
	AllocBytesPerSec float64 `json:"alloc_bytes_per_sec"`
	// LiveHeapGrowthBytesPerSec is the least-squares slope of the live heap
	// over the window, LiveHeapGrowthR2 the fit's R².
	LiveHeapGrowthBytesPerSec float64 `json:"live_heap_growth_bytes_per_sec"`
	LiveHeapGrowthR2          float64 `json:"live_heap_growth_r2"`

	// Settings in effect and where they came from. Without a manifest the
	// source is bundle.SourceUnknown.
	GOGC       bundle.Setting `json:"gogc"`
	GOMEMLIMIT bundle.Setting `json:"gomemlimit"`
	GOMAXPROCS bundle.Setting `json:"gomaxprocs"`
	GODEBUG    string         `json:"godebug,omitempty"`
	// DefaultGODEBUG is the binary's default GODEBUG from its build info,
	// set by the go line of the main module's go.mod (a go 1.24 module
	// built with Go 1.25 defaults to containermaxprocs=0,updatemaxprocs=0).
	// The GODEBUG environment variable overrides it key by key.
	DefaultGODEBUG string `json:"default_godebug,omitempty"`
	// GOGCInferred is GOGC estimated from the trace's heap goals, 0 if not
	// computable.
	GOGCInferred float64 `json:"gogc_inferred,omitempty"`
	// LimiterActive is set when the GC CPU limiter was enabled during the
	// window (from /gc/limiter/last-enabled).
	LimiterActive bool   `json:"limiter_active,omitempty"`
	GoVersion     string `json:"go_version,omitempty"`
	NumCPU        int    `json:"num_cpu,omitempty"`

	// MemoryLimitBytes is the smallest cgroup memory limit over all levels
	// (0 = none) and MemoryLimitPath the level that sets it.
	MemoryLimitBytes int64          `json:"memory_limit_bytes,omitempty"`
	MemoryLimitPath  string         `json:"memory_limit_path,omitempty"`
	Cgroup           *bundle.Cgroup `json:"cgroup,omitempty"`
	RSSBytes         int64          `json:"rss_bytes,omitempty"`

	// Scheduler figures from the history: latency p99 (max over intervals)
	// and runnable goroutines (mean and max over samples).
	SchedLatP99     time.Duration `json:"sched_lat_p99_ns,omitempty"`
	RunnableMean    float64       `json:"runnable_mean,omitempty"`
	RunnableMax     int64         `json:"runnable_max,omitempty"`
	HasSchedMetrics bool          `json:"has_sched_metrics,omitempty"`

	// Model is calibrated from the observed cycles, Workload is the
	// recorded load, Baseline the model's prediction for the current
	// settings (compare with the observed figures above).
	Model    Model      `json:"model"`
	Workload Workload   `json:"workload"`
	Baseline Prediction `json:"baseline"`

	// Warnings are problems with the input that did not stop the analysis.
	Warnings []string `json:"warnings,omitempty"`
	// Recommendations are Recommend's advice for Options.Objective,
	// computed once by Analyze; Findings and Sections present them.
	Recommendations []Recommendation `json:"recommendations,omitempty"`
}

// Current returns the settings in effect as a Candidate.
func (r *Result) Current() Candidate {
	c := Candidate{GOGC: int(r.GOGC.Value), MemoryLimitBytes: r.GOMEMLIMIT.Value}
	if c.MemoryLimitBytes <= 0 {
		c.MemoryLimitBytes = NoLimit
	}
	return c
}

// Analyze summarises the GC and scheduler behaviour of in, calibrates the
// cost model and makes the recommendations for opts.Objective
// (Result.Recommendations). It works with a history alone, a gctrace alone, or both (the
// history then supplies CPU, settings and the workload, the gctrace the
// per-cycle pauses and cost). It returns ErrNoData when neither is usable.
// Pure: no I/O; cost O(samples + cycles); safe for concurrent use.
func Analyze(in Input, opts Options) (*Result, error) {
	r := &Result{}
	samples := steadySamples(beforeCapture(historySamples(in.History), in.Manifest))
	cycles := steadyCycles(in.Cycles, opts.Warmup)
	r.HasHistory = len(samples) >= 2
	r.HasTrace = len(cycles) >= 1
	if !r.HasHistory && !r.HasTrace {
		return nil, ErrNoData
	}
	r.GOGC = bundle.Setting{Value: 100, Source: bundle.SourceUnknown}
	r.GOMEMLIMIT = bundle.Setting{Value: NoLimit, Source: bundle.SourceUnknown}
	if r.HasTrace {
		analyzeTrace(r, cycles)
	}
	if r.HasHistory {
		analyzeHistory(r, samples)
	}
	if !r.HasHistory && r.GOGCInferred > 0 {
		// A gctrace alone does not print GOGC; the heap goals imply it.
		r.GOGC.Value = int64(math.Round(r.GOGCInferred))
	}
	applyManifest(r, in.Manifest)

	var tm Model
	var tw Workload
	if r.HasTrace {
		tm, tw = CalibrateTrace(cycles)
	}
	if r.HasHistory {
		hm, hw := calibrateHistory(samples)
		r.Model, r.Workload = hm, hw
		// Per-cycle cost from the trace is more precise when there is one.
		if tm.Cycles >= 3 {
			r.Model.FixedCPUPerCycle, r.Model.CPUPerByte, r.Model.FitR2 = tm.FixedCPUPerCycle, tm.CPUPerByte, tm.FitR2
		}
	} else {
		r.Model, r.Workload = tm, tw
	}
	if r.Workload.GOMAXPROCS == 0 {
		r.Workload.GOMAXPROCS = int(r.GOMAXPROCS.Value)
	}
	if r.Model.CPUPerByte == 0 && r.Model.FixedCPUPerCycle == 0 {
		r.Warnings = append(r.Warnings, "gctune: no GC cycle in the window: the cost model is not calibrated")
	}
	r.Baseline = Simulate(r.Model, r.Current(), r.Workload)
	r.Recommendations = Recommend(r, opts.Objective)
	return r, nil
}

// historySamples returns the samples in time order, dropping those that go
// back in time or reset counters.
// beforeCapture drops the samples taken after m's capture started (see
// Input).
func beforeCapture(ss []bundle.MetricsSample, m *bundle.Manifest) []bundle.MetricsSample {
	if m == nil || m.CapturedAt.IsZero() {
		return ss
	}
	n := len(ss)
	for n > 0 && ss[n-1].Time.After(m.CapturedAt) {
		n--
	}
	return ss[:n]
}

func historySamples(h *bundle.MetricsHistory) []bundle.MetricsSample {
	if h == nil {
		return nil
	}
	var out []bundle.MetricsSample
	for _, s := range h.Samples {
		if n := len(out); n > 0 {
			p := out[n-1]
			if !s.Time.After(p.Time) || s.GCCycles < p.GCCycles || s.HeapAllocBytes < p.HeapAllocBytes || s.CPUTotalSeconds < p.CPUTotalSeconds {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// steadySamples drops the start-up ramp of a history, as steadyCycles does
// for a trace: samples before the live heap first reaches half its median
// (a process still loading its caches is not the steady state the model
// replays). At least two samples are kept.
func steadySamples(ss []bundle.MetricsSample) []bundle.MetricsSample {
	if len(ss) < 3 {
		return ss
	}
	lives := make([]uint64, len(ss))
	for i, s := range ss {
		lives[i] = s.HeapLiveBytes
	}
	slices.Sort(lives)
	half := lives[len(lives)/2] / 2
	for i, s := range ss {
		if s.HeapLiveBytes >= half {
			return ss[min(i, len(ss)-2):]
		}
	}
	return ss
}

// steadyCycles drops the start-up ramp of a trace.
func steadyCycles(cs []Cycle, warmup time.Duration) []Cycle {
	if len(cs) == 0 {
		return nil
	}
	if warmup > 0 {
		for i, c := range cs {
			if c.At >= warmup {
				return cs[i:]
			}
		}
		return nil
	}
	lives := make([]int64, len(cs))
	for i, c := range cs {
		lives[i] = c.LiveBytes
	}
	slices.Sort(lives)
	half := lives[len(lives)/2] / 2
	for i, c := range cs {
		if c.LiveBytes >= half {
			return cs[i:]
		}
	}
	return cs
}

func analyzeTrace(r *Result, cs []Cycle) {
	first, last := cs[0], cs[len(cs)-1]
	end := last.At + last.SweepTermClock + last.MarkClock + last.MarkTermClock
	span := end - first.At
	var pauses []time.Duration
	var gc, ded, ass, idle, pause time.Duration
	for _, c := range cs {
		r.Cycles++
		if c.Forced {
			r.Forced++
		}
		pauses = append(pauses, c.SweepTermClock, c.MarkTermClock)
		gc += c.CPU()
		ded += c.BackgroundCPU
		ass += c.AssistCPU
		idle += c.IdleCPU
		pause += c.SweepTermCPU + c.MarkTermCPU
		r.LiveHeapMaxBytes = max(r.LiveHeapMaxBytes, c.LiveBytes)
		r.PeakHeapBytes = max(r.PeakHeapBytes, c.HeapEndBytes)
	}
	slices.Sort(pauses)
	r.PauseP50, r.PauseP99, r.PauseMax = quantileDur(pauses, 0.5), quantileDur(pauses, 0.99), pauses[len(pauses)-1]
	r.LiveHeapBytes, r.HeapGoalBytes = last.LiveBytes, last.GoalBytes
	r.StacksBytes, r.GlobalsBytes = last.StacksBytes, last.GlobalsBytes
	r.GOMAXPROCS = bundle.Setting{Value: int64(last.Procs), Source: bundle.SourceUnknown}
	if span > 0 {
		r.Window = span
		sec := span.Seconds()
		r.CyclesPerSec = float64(len(cs)-1) / (last.At - first.At).Seconds()
		if len(cs) == 1 {
			r.CyclesPerSec = 1 / sec
		}
		capacity := float64(max(last.Procs, 1))
		r.GCCores, r.DedicatedCores, r.AssistCores = gc.Seconds()/sec, ded.Seconds()/sec, ass.Seconds()/sec
		r.IdleCores, r.PauseCores = idle.Seconds()/sec, pause.Seconds()/sec
		r.ShareBasis = ShareCapacity
		r.GCCPUShare, r.DedicatedShare, r.AssistShare = r.GCCores/capacity, r.DedicatedCores/capacity, r.AssistCores/capacity
		r.IdleShare, r.PauseShare = r.IdleCores/capacity, r.PauseCores/capacity
	}
	// Allocation: the heap grows from one cycle's live heap to the next
	// cycle's heap at mark end.
	var alloc int64
	var allocSpan time.Duration
	var gogcSum float64
	var gogcN int
	var scav int64
	for i := 1; i < len(cs); i++ {
		p, c := cs[i-1], cs[i]
		if d := c.HeapEndBytes - p.LiveBytes; d > 0 && c.At > p.At {
			alloc += d
			allocSpan += c.At - p.At
		}
		if !c.Forced && !p.Forced && !c.LeakCheck && p.LiveBytes+p.RootsBytes() > 0 {
			g := float64(c.GoalBytes-p.LiveBytes) / float64(p.LiveBytes+c.RootsBytes()) * 100
			if g > 0 {
				gogcSum += g
				gogcN++
			}
		}
		scav += c.ScavWorkBytes
	}
	if allocSpan > 0 {
		r.AllocBytesPerSec = float64(alloc) / allocSpan.Seconds()
	}
	if gogcN > 0 {
		r.GOGCInferred = gogcSum / float64(gogcN)
	}
	xs, ys := make([]float64, len(cs)), make([]float64, len(cs))
	for i, c := range cs {
		xs[i], ys[i] = c.At.Seconds(), float64(c.LiveBytes)
	}
	r.LiveHeapGrowthBytesPerSec, _, r.LiveHeapGrowthR2 = linearFit(xs, ys, nil)
}

func analyzeHistory(r *Result, ss []bundle.MetricsSample) {
	first, last := ss[0], ss[len(ss)-1]
	span := last.Time.Sub(first.Time)
	sec := span.Seconds()
	r.Window = span
	traceCycles := r.Cycles
	r.Cycles = int(last.GCCycles - first.GCCycles)
	r.Forced = int(last.GCCyclesForced - first.GCCyclesForced)
	if traceCycles > 0 && r.Cycles == 0 {
		r.Cycles = traceCycles
	}
	r.CyclesPerSec = float64(last.GCCycles-first.GCCycles) / sec
	d := func(f func(bundle.MetricsSample) float64) float64 { return (f(last) - f(first)) / sec }
	r.GCCores = d(func(s bundle.MetricsSample) float64 { return s.GCTotalSeconds })
	r.DedicatedCores = d(func(s bundle.MetricsSample) float64 { return s.GCDedicatedSeconds })
	r.AssistCores = d(func(s bundle.MetricsSample) float64 { return s.GCAssistSeconds })
	r.IdleCores = d(func(s bundle.MetricsSample) float64 { return s.GCIdleSeconds })
	r.PauseCores = d(func(s bundle.MetricsSample) float64 { return s.GCPauseSeconds })
	r.ScavengeCores = d(func(s bundle.MetricsSample) float64 { return s.ScavengeSeconds })
	r.MutatorCores = d(func(s bundle.MetricsSample) float64 { return s.CPUUserSeconds })
	busy := r.GCCores + r.MutatorCores + r.ScavengeCores
	if busy > 0 {
		r.ShareBasis = ShareBusy
		r.GCCPUShare, r.DedicatedShare, r.AssistShare = r.GCCores/busy, r.DedicatedCores/busy, r.AssistCores/busy
		r.IdleShare, r.PauseShare, r.ScavengeShare = r.IdleCores/busy, r.PauseCores/busy, r.ScavengeCores/busy
	}
	r.AllocBytesPerSec = float64(last.HeapAllocBytes-first.HeapAllocBytes) / sec
	r.LiveHeapBytes, r.HeapGoalBytes = int64(last.HeapLiveBytes), int64(last.HeapGoalBytes)
	r.StacksBytes, r.GlobalsBytes = int64(last.ScanStackBytes), int64(last.ScanGlobalsBytes)
	r.ScanHeapBytes = int64(last.ScanHeapBytes)
	r.GOGC = bundle.Setting{Value: last.GOGC, Source: bundle.SourceUnknown}
	r.GOMEMLIMIT = bundle.Setting{Value: last.GOMEMLIMIT, Source: bundle.SourceUnknown}
	r.GOMAXPROCS = bundle.Setting{Value: last.GOMAXPROCS, Source: bundle.SourceUnknown}
	r.LimiterActive = last.LimiterLastCycle > 0 && last.LimiterLastCycle > first.GCCycles

	xs, ys := make([]float64, len(ss)), make([]float64, len(ss))
	var pauseSummaries []weighted
	var p99s []weighted
	var runnable float64
	for i, s := range ss {
		xs[i], ys[i] = s.Time.Sub(first.Time).Seconds(), float64(s.HeapLiveBytes)
		r.LiveHeapMaxBytes = max(r.LiveHeapMaxBytes, int64(s.HeapLiveBytes))
		r.PeakHeapBytes = max(r.PeakHeapBytes, int64(s.HeapObjectsBytes))
		r.PeakTotalMemoryBytes = max(r.PeakTotalMemoryBytes, int64(s.TotalMemoryBytes)-int64(s.HeapReleasedBytes))
		if i > 0 && s.GCPauses > 0 {
			pauseSummaries = append(pauseSummaries, weighted{s.GCPauseP50, float64(s.GCPauses)})
			p99s = append(p99s, weighted{s.GCPauseP99, float64(s.GCPauses)})
			if m := time.Duration(s.GCPauseMax * 1e9); m > r.PauseMax || !r.HasTrace {
				r.PauseMax = max(m, r.PauseMax)
			}
		}
		if i > 0 && (s.SchedLatP99 > 0 || s.SchedLatMax > 0) {
			r.HasSchedMetrics = true
			r.SchedLatP99 = max(r.SchedLatP99, time.Duration(s.SchedLatP99*1e9))
		}
		runnable += float64(s.GoroutinesRunnable)
		r.RunnableMax = max(r.RunnableMax, int64(s.GoroutinesRunnable))
	}
	r.RunnableMean = runnable / float64(len(ss))
	if !r.HasTrace && len(pauseSummaries) > 0 {
		r.PauseP50 = time.Duration(weightedQuantile(pauseSummaries, 0.5) * 1e9)
		r.PauseP99 = time.Duration(weightedQuantile(p99s, 0.99) * 1e9)
	}
	r.LiveHeapGrowthBytesPerSec, _, r.LiveHeapGrowthR2 = linearFit(xs, ys, nil)
}

func applyManifest(r *Result, m *bundle.Manifest) {
	if m == nil {
		return
	}
	set := func(dst *bundle.Setting, src bundle.Setting) {
		if src.Source != "" {
			*dst = src
		}
	}
	set(&r.GOGC, m.Settings.GOGC)
	set(&r.GOMEMLIMIT, m.Settings.GOMEMLIMIT)
	set(&r.GOMAXPROCS, m.Settings.GOMAXPROCS)
	r.GODEBUG = m.Settings.GODEBUG
	if m.BuildInfo != "" {
		if bi, err := debug.ParseBuildInfo(m.BuildInfo); err == nil {
			for _, s := range bi.Settings {
				if s.Key == "DefaultGODEBUG" {
					r.DefaultGODEBUG = s.Value
				}
			}
		}
	}
	r.GoVersion = m.GoVersion
	r.NumCPU = m.NumCPU
	r.Cgroup = m.Cgroup
	if m.Cgroup != nil {
		for _, l := range m.Cgroup.Levels {
			if l.MemoryLimitBytes > 0 && (r.MemoryLimitBytes == 0 || l.MemoryLimitBytes < r.MemoryLimitBytes) {
				r.MemoryLimitBytes, r.MemoryLimitPath = l.MemoryLimitBytes, l.Path
			}
		}
	}
	if m.Process != nil {
		r.RSSBytes = int64(min(m.Process.RSSBytes, math.MaxInt64))
	}
}

// goMinor returns the minor version of a "go1.25.3" string, or 0.
func goMinor(v string) int {
	v = strings.TrimPrefix(v, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 || parts[0] != "1" {
		return 0
	}
	end := 0
	for end < len(parts[1]) && isDigit(parts[1][end]) {
		end++
	}
	n, err := strconv.Atoi(parts[1][:end])
	if err != nil {
		return 0
	}
	return n
}

type weighted struct{ v, w float64 }

func weightedQuantile(ws []weighted, q float64) float64 {
	sort.Slice(ws, func(i, j int) bool { return ws[i].v < ws[j].v })
	var total float64
	for _, w := range ws {
		total += w.w
	}
	var acc float64
	for _, w := range ws {
		acc += w.w
		if acc >= q*total {
			return w.v
		}
	}
	return ws[len(ws)-1].v
}

func quantileDur(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// linearFit fits y = a + b·x by (weighted) least squares and returns the
// slope b, intercept a and R². With fewer than two distinct x it returns
// zeros.
func linearFit(xs, ys, ws []float64) (slope, intercept, r2 float64) {
	var sw, sx, sy float64
	for i := range xs {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		sw += w
		sx += w * xs[i]
		sy += w * ys[i]
	}
	if sw == 0 {
		return 0, 0, 0
	}
	mx, my := sx/sw, sy/sw
	var sxx, sxy, syy float64
	for i := range xs {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		dx, dy := xs[i]-mx, ys[i]-my
		sxx += w * dx * dx
		sxy += w * dx * dy
		syy += w * dy * dy
	}
	if sxx == 0 {
		return 0, my, 0
	}
	slope = sxy / sxx
	intercept = my - slope*mx
	if syy > 0 {
		r2 = sxy * sxy / (sxx * syy)
	}
	return slope, intercept, r2
}
