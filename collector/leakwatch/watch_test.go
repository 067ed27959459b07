package leakwatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdiag/gdiag/collector/leakwatch"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// fakeClock is a clock tests advance by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// senders are goroutines blocked for good sending on a channel nobody
// receives from, the way a handler that timed out leaves them; release lets
// them go at the end of the test.
type senders struct {
	ch chan int
	n  int
	wg sync.WaitGroup
}

func (s *senders) start(n int) {
	for range n {
		s.n++
		s.wg.Add(1)
		go leakySend(s.ch, &s.wg)
	}
}

func leakySend(ch chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	ch <- 1
}

func (s *senders) release() {
	for range s.n {
		<-s.ch
	}
	s.wg.Wait()
}

func idleWorker(jobs chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for range jobs {
	}
}

// waitBlocked waits (polling, not sleeping for a set time) until n
// goroutines are blocked in fn.
func waitBlocked(t *testing.T, fn string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		k := runtime.Stack(buf, true)
		snap, err := stack.Parse(bytes.NewReader(buf[:k]), stack.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, g := range snap.Goroutines {
			if g.Op != stack.OpRunning && g.Op != stack.OpUnknown && len(g.Stack.Frames) > 0 && g.Stack.Frames[0].Func == fn {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines blocked in %s, want %d", got, fn, n)
		}
		runtime.Gosched()
	}
}

func siteOf(st *leakwatch.State, fn string) *leakwatch.Site {
	for i := range st.Sites {
		if st.Sites[i].Finding.Blocking.Func == fn {
			return &st.Sites[i]
		}
	}
	return nil
}

// A site that keeps growing over the history is judged a likely leak with
// its growth, first-seen time and leak-since time; an idle pool of the
// same size all along is not; the collector's own goroutines are left out.
func TestWatchGrowthAndHealthyPool(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	// A pause budget no machine misses: the text dump at every step is what
	// this test checks, not how fast a loaded machine takes it (the budget
	// itself is TestWatchBudgetSkip's subject).
	w, err := leakwatch.New(leakwatch.Options{Now: clk.Now, LeakInterval: -1, Budget: 1, WaitBudget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	jobs := make(chan int)
	var pool sync.WaitGroup
	for range 40 {
		pool.Add(1)
		go idleWorker(jobs, &pool)
	}
	defer func() { close(jobs); pool.Wait() }()
	// A goroutine of the collector, blocked the same way: never judged.
	own := make(chan int)
	var ownWG sync.WaitGroup
	ownWG.Add(1)
	pprof.Do(context.Background(), pprof.Labels(leakwatch.LabelKey, leakwatch.LabelValue), func(context.Context) {
		go leakySend(own, &ownWG)
	})
	defer func() { <-own; ownWG.Wait() }()

	s := &senders{ch: make(chan int)}
	defer s.release()
	const sendFn = "github.com/gdiag/gdiag/collector/leakwatch_test.leakySend"
	var st *leakwatch.State
	for i := range 5 {
		s.start(15)
		waitBlocked(t, sendFn, 15*(i+1)+1) // +1: the collector's
		st = w.Step()
		clk.Advance(30 * time.Second)
	}
	if st.Stats.Snapshots != 5 || st.Snapshots != 5 {
		t.Fatalf("snapshots: stats %d, history %d; want 5 (%+v)", st.Stats.Snapshots, st.Snapshots, st.Stats)
	}
	site := siteOf(st, "github.com/gdiag/gdiag/collector/leakwatch_test.leakySend")
	if site == nil {
		t.Fatalf("no site for leakySend in %d sites", len(st.Sites))
	}
	f := site.Finding
	if f.Verdict != leaks.Likely || f.Check != leaks.CheckChanSend || f.Count != 75 {
		t.Errorf("leakySend: %s %s count %d, want likely-leak %s 75; evidence %v", f.Verdict, f.Check, f.Count, leaks.CheckChanSend, f.Evidence)
	}
	if got := site.GrowthPerMinute(); got < 29 || got > 31 {
		t.Errorf("growth %.1f/min, want 30 (60 goroutines over 2 min)", got)
	}
	start := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if !site.FirstSeen.Equal(start) || site.LeakSince.IsZero() || !site.LeakSince.After(start) {
		t.Errorf("first seen %v, leak since %v", site.FirstSeen, site.LeakSince)
	}
	if p := siteOf(st, "github.com/gdiag/gdiag/collector/leakwatch_test.idleWorker"); p == nil || p.Finding.Verdict.IsLeak() {
		t.Errorf("idle pool: %+v, want a site that is not a leak", p)
	}
	if st.Stats.TextDumps != 5 || st.Stats.StopTheWorldSeconds <= 0 {
		t.Errorf("text dumps %d (pause %v s): a small process is dumped at every step", st.Stats.TextDumps, st.Stats.StopTheWorldSeconds)
	}
	if st.Own < 1 {
		t.Errorf("own goroutines %d, want the labelled sender counted as the collector's", st.Own)
	}
	for _, site := range st.Sites {
		if site.Finding.Count == 1 && site.Finding.Blocking.Func == "github.com/gdiag/gdiag/collector/leakwatch_test.leakySend" {
			t.Errorf("the collector's sender was judged: %+v", site.Finding)
		}
	}
	if st.ByVerdict[leaks.Likely] < 75 {
		t.Errorf("likely-leak goroutines %d, want ≥ 75", st.ByVerdict[leaks.Likely])
	}

	// The JSON endpoint: the same contract as gdiag analyze.
	srv := httptest.NewServer(w)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rep, err := report.ReadJSON(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, rf := range rep.Findings {
		if rf.Function == "github.com/gdiag/gdiag/collector/leakwatch_test.leakySend" {
			found = true
			if rf.Verdict != "likely-leak" || rf.Metrics[leakwatch.MetricFirstSeen] != float64(start.Unix()) || rf.Metrics[leakwatch.MetricLeakSince] == 0 || rf.Metrics[leaks.MetricGrowthPerMinute] == 0 {
				t.Errorf("json finding: %+v", rf)
			}
		}
		if rf.Verdict != "suspect" && rf.Verdict != "likely-leak" && rf.Verdict != "proven-leak" {
			t.Errorf("json lists %s by default", rf.Verdict)
		}
	}
	if !found {
		b, _ := json.Marshal(rep)
		t.Errorf("json has no leakySend finding: %s", b)
	}
	if resp, err := http.Get(srv.URL + "?verdict=bogus"); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad verdict: %v %v", resp, err)
	}
	if !strings.Contains(w.Summary(), "likely-leak") {
		t.Errorf("summary %q", w.Summary())
	}
}

// A step whose estimated cost exceeds the budget is skipped, saying why,
// and the previous verdicts stay.
func TestWatchBudgetSkip(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	w, err := leakwatch.New(leakwatch.Options{Now: clk.Now, LeakInterval: -1, Budget: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	first := w.Step()
	clk.Advance(time.Minute)
	st := w.Step()
	if st.Stats.Snapshots != 1 || st.Stats.SkippedSnapshots != 1 {
		t.Fatalf("stats %+v, want one snapshot and one skip", st.Stats)
	}
	if !strings.Contains(st.Stats.LastSkip, "over the budget") || !st.Time.Equal(first.Time) {
		t.Errorf("skip %q, time %v (first %v)", st.Stats.LastSkip, st.Time, first.Time)
	}
	rep := st.Report(leaks.Suspect)
	if len(rep.Warnings) == 0 || !strings.Contains(rep.Warnings[0], "skipped") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []leakwatch.Options{
		{Interval: -1},
		{Snapshots: 2},
		{Interval: time.Hour, Window: time.Minute},
		{Find: leaks.Options{Quiescent: true}},
	} {
		if _, err := leakwatch.New(o); err == nil {
			t.Errorf("New(%+v): no error", o)
		}
	}
	w, err := leakwatch.New(leakwatch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := w.Options()
	if o.Interval != leakwatch.DefaultInterval || o.LeakInterval != leakwatch.DefaultLeakInterval || o.Snapshots != leakwatch.DefaultSnapshots || o.Budget != leakwatch.DefaultBudget {
		t.Errorf("defaults %+v", o)
	}
}

// Run takes a snapshot at once and stops with its context.
func TestRunStops(t *testing.T) {
	w, err := leakwatch.New(leakwatch.Options{LeakInterval: -1, Budget: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for w.State().Stats.Snapshots == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no snapshot")
		}
		runtime.Gosched()
	}
	cancel()
	<-done
	if w.State().Own == 0 {
		t.Errorf("Run's own goroutine was not left out as the collector's")
	}
}

func provenLeak() {
	ch := make(chan int) // unreachable once provenLeak returns
	go func() { ch <- 1 }()
}

// Where the runtime has the goroutineleak profile (Go 1.27, CI runs it),
// goroutines blocked on a channel nothing reachable can signal are proven
// leaked from the first snapshot.
func TestWatchRuntimeProof(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		t.Skipf("%s has no goroutineleak profile (Go 1.27 or GOEXPERIMENT=goroutineleakprofile); CI runs this test on Go 1.27", runtime.Version())
	}
	for range 3 {
		provenLeak()
	}
	fn := "github.com/gdiag/gdiag/collector/leakwatch_test.provenLeak.func1"
	waitBlocked(t, fn, 3)
	clk := &fakeClock{t: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	w, err := leakwatch.New(leakwatch.Options{Now: clk.Now, Budget: 1})
	if err != nil {
		t.Fatal(err)
	}
	st := w.Step()
	site := siteOf(st, fn)
	if site == nil || site.Finding.Verdict != leaks.Proven || site.Finding.Proven != 3 {
		t.Fatalf("site %+v, want proven-leak with 3 proven", site)
	}
	if st.Stats.LeakProfiles != 1 || st.LeakProfileAt.IsZero() || st.Proven < 3 {
		t.Errorf("stats %+v, proven %d", st.Stats, st.Proven)
	}
	// The next step within LeakInterval reuses the proof.
	clk.Advance(30 * time.Second)
	st = w.Step()
	if st.Stats.LeakProfiles != 1 || siteOf(st, fn).Finding.Verdict != leaks.Proven {
		t.Errorf("second step: %+v", st.Stats)
	}
}
