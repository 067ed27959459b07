package promexport

import (
	"errors"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/collector/leakwatch"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/leaks"
)

// Defaults of Options.
const (
	DefaultMaxSites       = 10
	DefaultTuneWindow     = 5 * time.Minute
	DefaultTuneEvery      = time.Minute
	DefaultGCCPUTarget    = gctune.DefaultTargetGCCPUShare
	maxSitesLimit         = 100
	siteVerdictMinDefault = leaks.Suspect
)

// Options configure an Exporter. At least one of Watch and Collector must
// be set; the zero value of the rest is the documented default.
type Options struct {
	// Watch is the live leak watch whose verdicts are exported.
	Watch *leakwatch.Watch
	// Collector supplies the GC, heap, settings and cgroup figures and its
	// own cost.
	Collector *collector.Collector
	// MaxSites is how many leak sites (suspect or worse, most important
	// first) get per-site series (default 10, at most 100). Each site is 4
	// series, so per-site cardinality is at most 4 × MaxSites.
	MaxSites int
	// GCCPUTarget is the GC CPU share the recommendation aims at and the
	// gdiag_gc_cpu_target_ratio the alert compares with (default 0.05).
	GCCPUTarget float64
	// TuneWindow is the metrics history the GC recommendation is computed
	// over (default 5 min) and TuneEvery how often it is recomputed (default
	// 1 min; scrapes in between reuse it): one recommendation costs a few
	// dozen model simulations, well under a millisecond.
	TuneWindow, TuneEvery time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Exporter is a prometheus.Collector: register it in the service's
// registry. It reads the watch's last State and the collector's newest
// sample at each scrape and takes no profile itself. Safe for concurrent
// use.
type Exporter struct {
	opts Options

	mu      sync.Mutex
	tunedAt time.Time
	tune    tuned
	descs   []*prometheus.Desc
	d       descs
}

// tuned is the cached GC analysis and recommendation.
type tuned struct {
	ok                    bool
	gcShare               float64
	gogc, limit, maxprocs float64
	saving                float64
}

type descs struct {
	verdictGoroutines, verdictSites, proven                *prometheus.Desc
	siteGoroutines, siteGrowth, siteAge, siteFirstSeen     *prometheus.Desc
	watchSnapshots, watchSkipped, watchErrors, watchSecond *prometheus.Desc
	watchLast, watchOwn, watchSTW                          *prometheus.Desc
	gcShare, gcTarget, heapLive, heapGoal                  *prometheus.Desc
	gogc, memlimit, maxprocs                               *prometheus.Desc
	recGOGC, recLimit, recMaxprocs, recSaving              *prometheus.Desc
	cgPeriods, cgThrottled, cgThrottledSec, cgQuota        *prometheus.Desc
	captures, capBusy, capSeconds, stackDumps, stackPause  *prometheus.Desc
}

// siteLabels are the labels of the per-site series. started_by is the
// function the goroutines started in; site_labels the values of
// leakwatch.Options.Labels ("handler=checkout").
var siteLabels = []string{"check", "verdict", "function", "location", "started_by", "site_labels"}

// New validates opts and returns an Exporter.
func New(opts Options) (*Exporter, error) {
	if opts.Watch == nil && opts.Collector == nil {
		return nil, errors.New("promexport: neither Watch nor Collector set: nothing to export")
	}
	if opts.MaxSites < 0 || opts.GCCPUTarget < 0 || opts.GCCPUTarget >= 1 || opts.TuneWindow < 0 || opts.TuneEvery < 0 {
		return nil, errors.New("promexport: negative option or GCCPUTarget not in [0, 1)")
	}
	if opts.MaxSites == 0 {
		opts.MaxSites = DefaultMaxSites
	}
	opts.MaxSites = min(opts.MaxSites, maxSitesLimit)
	if opts.GCCPUTarget == 0 {
		opts.GCCPUTarget = DefaultGCCPUTarget
	}
	if opts.TuneWindow == 0 {
		opts.TuneWindow = DefaultTuneWindow
	}
	if opts.TuneEvery == 0 {
		opts.TuneEvery = DefaultTuneEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Exporter{opts: opts}
	e.build()
	return e, nil
}

func (e *Exporter) desc(d **prometheus.Desc, name, help string, labels ...string) {
	*d = prometheus.NewDesc(name, help, labels, nil)
	e.descs = append(e.descs, *d)
}

func (e *Exporter) build() {
	d := &e.d
	if e.opts.Watch != nil {
		e.desc(&d.verdictGoroutines, "gdiag_leak_goroutines", "Goroutines of the service per leak verdict of the live watch (proven-leak, likely-leak, suspect, blocked-benign, active).", "verdict")
		e.desc(&d.verdictSites, "gdiag_leak_sites", "Leak sites (blocking place, start function, chosen labels) per verdict.", "verdict")
		e.desc(&d.proven, "gdiag_leak_proven_goroutines", "Goroutines the runtime's goroutineleak profile proved leaked (nothing reachable can wake them).")
		e.desc(&d.siteGoroutines, "gdiag_leak_site_goroutines", "Goroutines at one leak site (top sites only, suspect or worse).", siteLabels...)
		e.desc(&d.siteGrowth, "gdiag_leak_site_growth_per_second", "Growth of a leak site over the watch's history, in goroutines per second.", siteLabels...)
		e.desc(&d.siteAge, "gdiag_leak_site_age_seconds", "Time since the live watch first saw the leak site.", siteLabels...)
		e.desc(&d.siteFirstSeen, "gdiag_leak_site_first_seen_timestamp_seconds", "When the live watch first saw the leak site (Unix time).", siteLabels...)
		e.desc(&d.watchSnapshots, "gdiag_leakwatch_profiles_total", "Profiles the live watch took, by profile (goroutine, goroutineleak, goroutine-text: the full text dump for wait times).", "profile")
		e.desc(&d.watchSkipped, "gdiag_leakwatch_skipped_total", "Profiles the live watch skipped because their estimated cost exceeded its budget, by profile.", "profile")
		e.desc(&d.watchErrors, "gdiag_leakwatch_errors_total", "Live watch steps that failed.")
		e.desc(&d.watchSecond, "gdiag_leakwatch_seconds_total", "Wall time the live watch spent taking, parsing and judging profiles (the goroutineleak profile's GC cycle included).")
		e.desc(&d.watchLast, "gdiag_leakwatch_last_snapshot_timestamp_seconds", "When the live watch last judged a snapshot (Unix time).")
		e.desc(&d.watchSTW, "gdiag_leakwatch_stop_the_world_seconds_total", "Stop-the-world pause the live watch's full goroutine text dumps caused (taken only within leakwatch.Options.WaitBudget).")
		e.desc(&d.watchOwn, "gdiag_leakwatch_own_goroutines", "Goroutines of gdiag's collector (pprof label gdiag=collector), left out of the verdicts.")
	}
	if e.opts.Collector != nil {
		e.desc(&d.gcShare, "gdiag_gc_cpu_ratio", "Share of the process's CPU time spent in the garbage collector over the tuning window.")
		e.desc(&d.gcTarget, "gdiag_gc_cpu_target_ratio", "The GC CPU share the recommendation aims at (promexport.Options.GCCPUTarget).")
		e.desc(&d.heapLive, "gdiag_heap_live_bytes", "Live heap at the end of the last GC cycle (/gc/heap/live:bytes).")
		e.desc(&d.heapGoal, "gdiag_heap_goal_bytes", "Heap goal of the current GC cycle (/gc/heap/goal:bytes).")
		e.desc(&d.gogc, "gdiag_gogc_percent", "Effective GOGC (-1 = off), with where it came from.", "source")
		e.desc(&d.memlimit, "gdiag_gomemlimit_bytes", "Effective GOMEMLIMIT (9223372036854775807 = no limit), with where it came from.", "source")
		e.desc(&d.maxprocs, "gdiag_gomaxprocs_threads", "Effective GOMAXPROCS, with where it came from.", "source")
		e.desc(&d.recGOGC, "gdiag_recommended_gogc_percent", "GOGC gdiag's GC model recommends for the tuning window (the effective value when no change is recommended).")
		e.desc(&d.recLimit, "gdiag_recommended_gomemlimit_bytes", "GOMEMLIMIT gdiag's GC model recommends (the effective value when no change is recommended).")
		e.desc(&d.recMaxprocs, "gdiag_recommended_gomaxprocs_threads", "GOMAXPROCS the cgroup CPU quota calls for (the effective value without a quota).")
		e.desc(&d.recSaving, "gdiag_recommended_gc_cpu_saving_ratio", "GC CPU share the recommended GOGC/GOMEMLIMIT is predicted to save (0 when no change is recommended).")
		e.desc(&d.cgPeriods, "gdiag_cgroup_cpu_periods_total", "CFS enforcement periods of a cgroup level (cpu.stat nr_periods).", "cgroup")
		e.desc(&d.cgThrottled, "gdiag_cgroup_cpu_throttled_periods_total", "CFS periods in which a cgroup level was throttled (cpu.stat nr_throttled).", "cgroup")
		e.desc(&d.cgThrottledSec, "gdiag_cgroup_cpu_throttled_seconds_total", "Time a cgroup level was throttled (cpu.stat throttled_usec).", "cgroup")
		e.desc(&d.cgQuota, "gdiag_cgroup_cpu_quota_cores", "CPU quota of a cgroup level in cores (quota/period); absent when unlimited.", "cgroup")
		e.desc(&d.captures, "gdiag_collector_captures_total", "Bundles the collector captured.")
		e.desc(&d.capBusy, "gdiag_collector_captures_refused_total", "Captures refused because one was running.")
		e.desc(&d.capSeconds, "gdiag_collector_capture_seconds_total", "Wall time the collector spent capturing bundles, profiling windows included.")
		e.desc(&d.stackDumps, "gdiag_collector_stack_dumps_total", "Full goroutine text dumps, by result (taken, skipped by the stop-the-world budget).", "result")
		e.desc(&d.stackPause, "gdiag_collector_stack_dump_pause_seconds_total", "Stop-the-world pause the taken goroutine text dumps caused.")
	}
}

// Describe sends the descriptors of every metric the exporter can export.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range e.descs {
		ch <- d
	}
}

// Collect sends the current values. It reads the watch's last State, the
// collector's newest sample, settings and cgroup files, and every
// TuneEvery recomputes the GC recommendation.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	now := e.opts.Now()
	if w := e.opts.Watch; w != nil {
		e.collectWatch(ch, w.State(), now)
	}
	if c := e.opts.Collector; c != nil {
		e.collectRuntime(ch, c, now)
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

func (e *Exporter) collectWatch(ch chan<- prometheus.Metric, st *leakwatch.State, now time.Time) {
	d := &e.d
	sites := map[leaks.Verdict]int{}
	for i := range st.Sites {
		sites[st.Sites[i].Finding.Verdict]++
	}
	for v := leaks.Active; v <= leaks.Proven; v++ {
		gauge(ch, d.verdictGoroutines, float64(st.ByVerdict[v]), v.String())
		gauge(ch, d.verdictSites, float64(sites[v]), v.String())
	}
	gauge(ch, d.proven, float64(st.Proven))
	n := 0
	for i := range st.Sites {
		s := &st.Sites[i]
		f := &s.Finding
		if f.Verdict < siteVerdictMinDefault {
			break // sites are ordered by verdict, strongest first
		}
		if n == e.opts.MaxSites {
			break
		}
		n++
		loc := ""
		if f.Blocking.File != "" {
			loc = f.Blocking.File + ":" + strconv.Itoa(f.Blocking.Line)
		}
		lv := []string{f.Check, f.Verdict.String(), f.Blocking.Func, loc, f.CreatedBy.Func, labelText(f)}
		gauge(ch, d.siteGoroutines, float64(f.Count), lv...)
		gauge(ch, d.siteGrowth, s.GrowthPerMinute()/60, lv...)
		gauge(ch, d.siteAge, max(now.Sub(s.FirstSeen).Seconds(), 0), lv...)
		gauge(ch, d.siteFirstSeen, float64(s.FirstSeen.UnixNano())/1e9, lv...)
	}
	stats := st.Stats
	counter(ch, d.watchSnapshots, float64(stats.Snapshots), "goroutine")
	counter(ch, d.watchSnapshots, float64(stats.LeakProfiles), "goroutineleak")
	counter(ch, d.watchSkipped, float64(stats.SkippedSnapshots), "goroutine")
	counter(ch, d.watchSkipped, float64(stats.SkippedLeakProfiles), "goroutineleak")
	counter(ch, d.watchSnapshots, float64(stats.TextDumps), "goroutine-text")
	counter(ch, d.watchSkipped, float64(stats.SkippedTextDumps), "goroutine-text")
	counter(ch, d.watchSTW, stats.StopTheWorldSeconds)
	counter(ch, d.watchErrors, float64(stats.Errors))
	counter(ch, d.watchSecond, stats.Seconds)
	if !st.Time.IsZero() {
		gauge(ch, d.watchLast, float64(st.Time.UnixNano())/1e9)
	}
	gauge(ch, d.watchOwn, float64(st.Own))
}

func labelText(f *leaks.Finding) string {
	s := ""
	for i, l := range f.Labels {
		if i > 0 {
			s += ","
		}
		s += l.Key + "=" + l.Value
	}
	return s
}

func (e *Exporter) collectRuntime(ch chan<- prometheus.Metric, c *collector.Collector, now time.Time) {
	d := &e.d
	live := c.Live()
	gauge(ch, d.heapLive, float64(live.Sample.HeapLiveBytes))
	gauge(ch, d.heapGoal, float64(live.Sample.HeapGoalBytes))
	s := live.Settings
	gauge(ch, d.gogc, float64(s.GOGC.Value), string(s.GOGC.Source))
	gauge(ch, d.memlimit, float64(s.GOMEMLIMIT.Value), string(s.GOMEMLIMIT.Source))
	gauge(ch, d.maxprocs, float64(s.GOMAXPROCS.Value), string(s.GOMAXPROCS.Source))
	gauge(ch, d.gcTarget, e.opts.GCCPUTarget)

	t := e.tuned(c, live, now)
	if t.ok {
		gauge(ch, d.gcShare, t.gcShare)
	}
	gogc, limit, procs := float64(s.GOGC.Value), float64(s.GOMEMLIMIT.Value), float64(s.GOMAXPROCS.Value)
	if t.gogc != 0 {
		gogc, limit = t.gogc, t.limit
	}
	if t.maxprocs > 0 {
		procs = t.maxprocs
	}
	gauge(ch, d.recGOGC, gogc)
	gauge(ch, d.recLimit, limit)
	gauge(ch, d.recMaxprocs, procs)
	gauge(ch, d.recSaving, t.saving)

	if live.Cgroup != nil {
		for _, l := range live.Cgroup.Levels {
			if l.NrPeriods == 0 && l.CPUQuotaCores == 0 {
				continue
			}
			counter(ch, d.cgPeriods, float64(l.NrPeriods), l.Path)
			counter(ch, d.cgThrottled, float64(l.NrThrottled), l.Path)
			counter(ch, d.cgThrottledSec, l.ThrottledTime.Seconds(), l.Path)
			if l.CPUQuotaCores > 0 {
				gauge(ch, d.cgQuota, l.CPUQuotaCores, l.Path)
			}
		}
	}

	cs := c.Stats()
	counter(ch, d.captures, float64(cs.Captures))
	counter(ch, d.capBusy, float64(cs.Busy))
	counter(ch, d.capSeconds, cs.CaptureSeconds)
	counter(ch, d.stackDumps, float64(cs.StackDumps), "taken")
	counter(ch, d.stackDumps, float64(cs.StackDumpsSkipped), "skipped")
	counter(ch, d.stackPause, cs.StackPauseSeconds)
}

// tuned returns the GC analysis of the last TuneWindow of the collector's
// metrics history and gctune's recommendation, recomputed every TuneEvery.
func (e *Exporter) tuned(c *collector.Collector, live collector.Live, now time.Time) tuned {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.tunedAt.IsZero() && now.Sub(e.tunedAt) < e.opts.TuneEvery {
		return e.tune
	}
	e.tunedAt = now
	h := c.History(now.Add(-e.opts.TuneWindow))
	m := &bundle.Manifest{Settings: live.Settings, Cgroup: live.Cgroup, GoVersion: runtime.Version(), NumCPU: runtime.NumCPU()}
	r, err := gctune.Analyze(gctune.Input{Manifest: m, History: &h}, gctune.Options{Objective: gctune.Objective{TargetGCCPUShare: e.opts.GCCPUTarget}})
	if err != nil || r == nil {
		// Too little history yet (or none): no GC figures this time.
		e.tune = tuned{}
		return e.tune
	}
	t := tuned{ok: true, gcShare: r.GCCPUShare}
	for _, rec := range r.Recommendations {
		if rec.Before == nil || rec.After == nil || len(rec.Env) == 0 {
			continue
		}
		t.gogc = float64(rec.After.Candidate.GOGC)
		t.limit = float64(rec.After.Candidate.MemoryLimitBytes)
		if rec.After.Candidate.MemoryLimitBytes == 0 {
			t.limit = float64(gctune.NoLimit)
		}
		t.saving = max(rec.Before.GCCPUShare-rec.After.GCCPUShare, 0)
		break
	}
	if a := gctune.AdviseMaxProcs(r); a.Value > 0 {
		t.maxprocs = float64(a.Value)
	}
	e.tune = t
	return t
}
