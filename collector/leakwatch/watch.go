package leakwatch

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/internal/pprofconv"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// The pprof label every goroutine of gdiag's collector carries. The watch
// leaves goroutines with it out of its judgement and counts them as its own.
const (
	LabelKey   = "gdiag"
	LabelValue = "collector"
)

// minScaleGoroutines is the goroutine count from which the cost of a step
// is taken to grow in proportion to the goroutines.
const minScaleGoroutines = 1000

// maxTrackedSites bounds the sites whose first-seen time is remembered.
const maxTrackedSites = 10_000

// Watch judges the process's goroutines over time. Create it with New, run
// it with Run (or let the collector run it: collector.WithLeakWatch) and
// read the verdicts with State. All methods are safe for concurrent use.
type Watch struct {
	opts Options
	find leaks.Options // opts.Find with the benign table compiled once

	mu       sync.Mutex // serialises Step
	history  []leaks.Sample
	leaked   *stack.Snapshot // the last goroutineleak profile, filtered
	leakedAt time.Time
	sites    map[string]*tracked
	lastTook time.Duration // the last snapshot step
	// The full text dump: learnt pause per goroutine, next buffer size,
	// the buffer kept between steps.
	waitCostPerG time.Duration
	textBufSize  int
	textBuf      []byte
	lastN        int           // goroutines at the last snapshot step
	leakCost     time.Duration // the last goroutineleak step
	leakN        int           // goroutines at the last goroutineleak step
	stats        Stats
	lastSkip     string
	lastError    string
	buf          bytes.Buffer

	state atomic.Pointer[State]
}

// tracked remembers when a site was first seen and first judged a leak.
type tracked struct {
	first, leakSince, last time.Time
}

// Stats are the watch's own cost, cumulative since New.
type Stats struct {
	// Snapshots and LeakProfiles count the goroutine and goroutineleak
	// profiles taken; SkippedSnapshots and SkippedLeakProfiles those skipped
	// because the estimated cost exceeded the budget or the goroutine count
	// MaxGoroutines; Errors the steps that failed.
	Snapshots, LeakProfiles               uint64
	SkippedSnapshots, SkippedLeakProfiles uint64
	Errors                                uint64
	// Seconds is the wall time spent in steps (profile, parse, judge); the
	// goroutineleak profile's time includes the GC cycle it waits for.
	Seconds float64
	// TextDumps counts the full goroutine text dumps taken for wait times,
	// SkippedTextDumps those left out because their estimated pause
	// exceeded Options.WaitBudget (expected above a few hundred
	// goroutines); StopTheWorldSeconds sums the pauses they caused.
	TextDumps, SkippedTextDumps uint64
	StopTheWorldSeconds         float64
	// LastStep is the wall time of the last snapshot step, LastLeakProfile
	// of the last goroutineleak profile.
	LastStep, LastLeakProfile time.Duration
	// LastSkip says why the last skipped step was skipped, LastError what
	// the last failed step reported ("" when none).
	LastSkip, LastError string
}

// New validates opts and returns a Watch that has taken no snapshot yet.
func New(opts Options) (*Watch, error) {
	if err := opts.resolve(); err != nil {
		return nil, err
	}
	w := &Watch{opts: opts, find: opts.Find, sites: map[string]*tracked{}}
	if !w.find.NoDefaultBenign {
		// Compile the benign table once, not at every step.
		w.find.Benign = append(leaks.BenignRules(), w.find.Benign...)
		w.find.NoDefaultBenign = true
	}
	w.state.Store(&State{Options: opts})
	return w, nil
}

// Options returns the resolved options (defaults filled in).
func (w *Watch) Options() Options { return w.opts }

// Run takes a snapshot right away and then every Interval until ctx ends.
// Its goroutine carries the pprof labels gdiag=collector and
// task=leakwatch, so that neither this watch nor any other gdiag analysis
// judges it as the service's. Run recovers panics of a step and records
// them as errors.
func (w *Watch) Run(ctx context.Context) {
	pprof.Do(ctx, pprof.Labels(LabelKey, LabelValue, "task", "leakwatch"), func(ctx context.Context) {
		w.Step()
		t := time.NewTicker(w.opts.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.Step()
			}
		}
	})
}

// State returns the verdicts of the last step. It never blocks on a step
// in progress; the State is shared and must not be modified.
func (w *Watch) State() *State { return w.state.Load() }

// Step takes one snapshot now (the Options.Now clock): the goroutineleak
// profile when it is due and available, then the goroutine profile; it
// judges every leak site over the history and publishes the new State. A
// step over budget is skipped and the skip recorded. Run calls Step; tests
// and tools call it directly. A panic inside is recovered into Stats.Errors.
func (w *Watch) Step() *State {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.opts.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				w.fail(fmt.Errorf("leakwatch: panic: %v", r))
			}
		}()
		w.step(now)
	}()
	return w.state.Load()
}

func (w *Watch) fail(err error) {
	w.stats.Errors++
	w.lastError = err.Error()
	st := *w.state.Load()
	st.Stats = w.statsCopy()
	w.state.Store(&st)
}

func (w *Watch) skip(leak bool, reason string) {
	if leak {
		w.stats.SkippedLeakProfiles++
	} else {
		w.stats.SkippedSnapshots++
	}
	w.lastSkip = reason
}

func (w *Watch) statsCopy() Stats {
	s := w.stats
	s.LastSkip, s.LastError = w.lastSkip, w.lastError
	return s
}

func (w *Watch) step(now time.Time) {
	n := runtime.NumGoroutine()
	if n > w.opts.MaxGoroutines {
		w.skip(false, fmt.Sprintf("snapshot skipped at %s: %d goroutines exceed MaxGoroutines %d", now.UTC().Format(time.RFC3339), n, w.opts.MaxGoroutines))
		w.publish(now, nil)
		return
	}
	if pprof.Lookup("goroutineleak") != nil && w.opts.LeakInterval > 0 &&
		(w.leakedAt.IsZero() || now.Sub(w.leakedAt) >= w.opts.LeakInterval) {
		allowed := time.Duration(w.opts.Budget * float64(w.opts.LeakInterval))
		if est := leakEstimate(w.leakCost, w.leakN, n); est > allowed {
			w.skip(true, fmt.Sprintf("goroutineleak profile skipped at %s: estimated %v for %d goroutines (one GC cycle with leak detection; the last took %v for %d), over the budget of %v per %v (%.1f%% of a core)",
				now.UTC().Format(time.RFC3339), est.Round(time.Microsecond), n, w.leakCost.Round(time.Microsecond), w.leakN, allowed, w.opts.LeakInterval, 100*w.opts.Budget))
			w.leakCost = w.leakCost * 3 / 4 // the heap may have shrunk: try again later
			w.leakedAt = now
		} else {
			t0 := time.Now()
			snap, err := w.profile("goroutineleak")
			w.leakCost, w.leakN = time.Since(t0), n
			w.stats.Seconds += w.leakCost.Seconds()
			w.stats.LastLeakProfile = w.leakCost
			w.leakedAt = now
			if err != nil {
				w.fail(err)
			} else {
				w.stats.LeakProfiles++
				w.leaked, _ = w.prepare(snap)
			}
		}
	}
	// The last step's cost, scaled up (never down: part of it is fixed)
	// by the growth in goroutines since, counted from at least
	// minScaleGoroutines (below that the fixed part dominates).
	allowed := w.opts.Budget * w.opts.Interval.Seconds()
	if est := w.lastTook.Seconds() * max(1, float64(n)/float64(max(w.lastN, minScaleGoroutines))); w.lastTook > 0 && est > allowed {
		w.skip(false, fmt.Sprintf("snapshot skipped at %s: estimated %v for %d goroutines (the last step took %v for %d), over the budget of %v per %v (%.1f%% of a core)",
			now.UTC().Format(time.RFC3339), secs(est), n, w.lastTook.Round(time.Microsecond), w.lastN, secs(allowed), w.opts.Interval, 100*w.opts.Budget))
		w.lastTook = w.lastTook * 3 / 4 // one slow step must not disable the watch for good
		w.publish(now, nil)
		return
	}
	t0 := time.Now()
	snap, err := w.profile("goroutine")
	if err != nil {
		w.fail(err)
		return
	}
	snap, own := w.prepare(snap)
	w.addWaits(snap, n)
	w.add(now, snap)
	fs := w.judge()
	took := time.Since(t0)
	w.lastTook, w.lastN = took, n
	w.stats.Snapshots++
	w.stats.Seconds += took.Seconds()
	w.stats.LastStep = took
	w.publish(now, &judged{snap: snap, own: own, findings: fs})
}

func secs(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond)
}

// profile takes one runtime profile in protobuf form and converts it.
func (w *Watch) profile(name string) (*stack.Snapshot, error) {
	p := pprof.Lookup(name)
	if p == nil {
		return nil, fmt.Errorf("leakwatch: no %s profile in this runtime", name)
	}
	w.buf.Reset()
	if err := p.WriteTo(&w.buf, 0); err != nil {
		return nil, fmt.Errorf("leakwatch: %s profile: %w", name, err)
	}
	pr, err := profile.ParseData(w.buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("leakwatch: %s profile: %w", name, err)
	}
	if w.buf.Cap() > 4<<20 {
		w.buf = bytes.Buffer{} // do not keep a large buffer between steps
	}
	return pprofconv.Snapshot(pr), nil
}

// prepare drops the collector's own goroutines (label gdiag=collector),
// keeps only the labels of Options.Labels and names each record's start
// function as its creator (a profile does not record the go statement; the
// function a goroutine started in tells one go site from another). It
// returns the snapshot and how many goroutines were the collector's.
func (w *Watch) prepare(s *stack.Snapshot) (*stack.Snapshot, int) {
	out := &stack.Snapshot{Format: s.Format, Reason: s.Reason}
	own := 0
	keep := map[string][]stack.Label{}
	for _, g := range s.Goroutines {
		if isOwn(g.Labels) {
			own += g.Count
			continue
		}
		g.Labels = w.keepLabels(keep, g.Labels)
		if g.CreatedBy.Func == "" && g.Stack != nil {
			if e := entry(g.Stack); e != "" {
				g.CreatedBy = stack.Frame{Func: e}
			}
		}
		out.Goroutines = append(out.Goroutines, g)
		out.Total += g.Count
	}
	return out, own
}

func isOwn(ls []stack.Label) bool {
	for _, l := range ls {
		if l.Key == LabelKey && l.Value == LabelValue {
			return true
		}
	}
	return false
}

// keepLabels returns the labels of ls whose keys Options.Labels lists,
// shared between records with the same result.
func (w *Watch) keepLabels(memo map[string][]stack.Label, ls []stack.Label) []stack.Label {
	if len(w.opts.Labels) == 0 || len(ls) == 0 {
		return nil
	}
	var kept []stack.Label
	var key strings.Builder
	for _, l := range ls {
		if slices.Contains(w.opts.Labels, l.Key) {
			kept = append(kept, l)
			key.WriteString(l.Key + "=" + l.Value + "\x00")
		}
	}
	if m, ok := memo[key.String()]; ok {
		return m
	}
	memo[key.String()] = kept
	return kept
}

// entry is the function a goroutine started in: its outermost frame other
// than runtime.goexit.
func entry(s *stack.Stack) string {
	for i := len(s.Frames) - 1; i >= 0; i-- {
		if f := s.Frames[i].Func; f != "runtime.goexit" && f != "" {
			return f
		}
	}
	return ""
}

// add appends a snapshot to the history, drops those older than Window and
// thins the rest to Snapshots: the interior snapshot whose neighbours are
// closest together goes, so the kept ones stay spread over the window.
func (w *Watch) add(now time.Time, s *stack.Snapshot) {
	w.history = append(w.history, leaks.Sample{Name: "goroutine profile " + now.UTC().Format(time.RFC3339), Time: now, Snapshot: s})
	cut := 0
	for cut < len(w.history)-1 && now.Sub(w.history[cut].Time) > w.opts.Window {
		cut++
	}
	w.history = slices.Delete(w.history, 0, cut)
	// A clock that went back (or a test clock that repeats) would make the
	// history untimed: drop what is not older than the new snapshot.
	for len(w.history) > 1 && !w.history[len(w.history)-2].Time.Before(now) {
		w.history = slices.Delete(w.history, len(w.history)-2, len(w.history)-1)
	}
	for len(w.history) > w.opts.Snapshots {
		best, gap := 1, time.Duration(-1)
		for i := 1; i < len(w.history)-1; i++ {
			if g := w.history[i+1].Time.Sub(w.history[i-1].Time); gap < 0 || g < gap {
				best, gap = i, g
			}
		}
		w.history = slices.Delete(w.history, best, best+1)
	}
}

// judge runs package leaks' rules over the history and merges the
// findings into one per leak site (and per value of the chosen labels).
func (w *Watch) judge() []leaks.Finding {
	last := w.history[len(w.history)-1].Snapshot
	fo := w.find
	fo.Leaked = w.leaked
	fo.Quiescent = false
	if len(w.history) > 1 {
		fo.History = leaks.Diff(w.history, leaks.DiffOptions{Similarity: fo.Similarity, TopFrames: fo.TopFrames, MinGrowth: w.opts.MinGrowth})
	}
	fs := leaks.Find(last, fo)
	// Merge folds call paths of one site; sites with different label
	// values stay apart.
	parts := map[string][]leaks.Finding{}
	var order []string
	for _, f := range fs {
		k := labelText(f.Labels)
		if _, ok := parts[k]; !ok {
			order = append(order, k)
		}
		parts[k] = append(parts[k], f)
	}
	var out []leaks.Finding
	for _, k := range order {
		out = append(out, leaks.Merge(parts[k])...)
	}
	slices.SortStableFunc(out, func(a, b leaks.Finding) int {
		if c := cmp.Compare(b.Verdict, a.Verdict); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		return cmp.Compare(b.Count, a.Count)
	})
	return out
}

func labelText(ls []stack.Label) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.Key + "=" + l.Value)
	}
	return b.String()
}

// judged is the outcome of one snapshot step.
type judged struct {
	snap     *stack.Snapshot
	own      int
	findings []leaks.Finding
}

// publish builds and stores the State; j is nil for a skipped step (the
// previous verdicts stay, with the new stats).
func (w *Watch) publish(now time.Time, j *judged) {
	prev := w.state.Load()
	st := &State{Options: w.opts, Stats: w.statsCopy()}
	if j == nil {
		if prev != nil {
			c := *prev
			c.Stats = st.Stats
			w.state.Store(&c)
		}
		return
	}
	st.Time = now
	st.Goroutines = j.snap.Total
	st.Own = j.own
	st.Snapshots = len(w.history)
	if len(w.history) > 1 {
		st.Span = now.Sub(w.history[0].Time)
	}
	if w.leaked != nil {
		st.LeakProfileAt = w.leakedAt
	}
	st.LeakProfileAvailable = pprof.Lookup("goroutineleak") != nil
	for i := range j.findings {
		f := &j.findings[i]
		key := siteKey(f)
		t := w.sites[key]
		if t == nil {
			t = &tracked{first: now}
			w.sites[key] = t
		}
		t.last = now
		if f.Verdict.IsLeak() && !f.Ignored && t.leakSince.IsZero() {
			t.leakSince = now
		}
		if !f.Verdict.IsLeak() {
			t.leakSince = time.Time{}
		}
		if f.Ignored {
			st.Ignored += f.Count
			continue
		}
		st.ByVerdict[f.Verdict] += f.Count
		st.Proven += f.Proven
		st.Sites = append(st.Sites, Site{Key: key, Finding: *f, FirstSeen: t.first, LeakSince: t.leakSince})
	}
	w.pruneSites(now)
	w.state.Store(st)
}

// pruneSites forgets sites not seen within the window, and the longest
// unseen ones beyond maxTrackedSites.
func (w *Watch) pruneSites(now time.Time) {
	for k, t := range w.sites {
		if now.Sub(t.last) > w.opts.Window {
			delete(w.sites, k)
		}
	}
	if len(w.sites) <= maxTrackedSites {
		return
	}
	keys := make([]string, 0, len(w.sites))
	for k := range w.sites {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return w.sites[a].last.Compare(w.sites[b].last) })
	for _, k := range keys[:len(keys)-maxTrackedSites] {
		delete(w.sites, k)
	}
}

// siteKey identifies a leak site across snapshots and verdicts: where the
// goroutines block, the function they started in and the chosen labels.
func siteKey(f *leaks.Finding) string {
	return fmt.Sprintf("%s|%s:%d|%s|%s", f.Blocking.Func, f.Blocking.File, f.Blocking.Line, f.CreatedBy.Func, labelText(f.Labels))
}

// leakEstimate is the expected cost of the goroutineleak profile at n
// goroutines: the last one's cost scaled by the square of the growth in
// goroutines (measured: 9.6 ms at 1k, 91 ms at 10k, 26 s at 100k, see the
// README), or before any, 10 µs per goroutine times n/10,000 above 10,000.
func leakEstimate(last time.Duration, lastN, n int) time.Duration {
	if last <= 0 {
		return time.Duration(float64(n) * float64(10*time.Microsecond) * max(1, float64(n)/10_000))
	}
	r := max(1, float64(n)/float64(max(lastN, minScaleGoroutines)))
	return time.Duration(float64(last) * r * r)
}
