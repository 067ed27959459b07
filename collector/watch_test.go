package collector_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
)

// bundles lists the finished bundles in dir and whether a temporary file
// is visible.
func bundles(t *testing.T, dir string) (names []string, temps int) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		switch {
		case strings.HasSuffix(e.Name(), ".gdiag"):
			names = append(names, e.Name())
		default:
			temps++
		}
	}
	return names, temps
}

// spike starts n goroutines blocked until the returned function is called.
func spike(n int) (release func()) {
	stop := make(chan struct{})
	done := make(chan struct{}, n)
	for range n {
		go func() {
			<-stop
			done <- struct{}{}
		}()
	}
	return func() {
		close(stop)
		for range n {
			<-done
		}
	}
}

// watchStepper drives a collector's clock one metrics interval at a time
// and returns the watcher's check of the sample that interval took.
type watchStepper struct {
	t        *testing.T
	clk      *collector.FakeClock
	checks   chan collector.WatchCheck
	interval time.Duration
}

func newWatchStepper(t *testing.T, interval time.Duration) (*watchStepper, []collector.Option) {
	s := &watchStepper{t: t, clk: collector.NewFakeClock(time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)),
		checks: make(chan collector.WatchCheck), interval: interval}
	return s, []collector.Option{collector.WithClock(s.clk), collector.WithWatchChecks(s.checks), collector.WithMetricsInterval(interval)}
}

func (s *watchStepper) step() collector.WatchCheck {
	s.t.Helper()
	if err := s.clk.Advance(s.interval); err != nil {
		s.t.Fatal(err)
	}
	// The check may write a bundle; a minute is a deadlock, not a slow
	// machine.
	select {
	case c := <-s.checks:
		return c
	case <-time.After(time.Minute):
		s.t.Fatal("no watcher check within a minute of a sample")
		return collector.WatchCheck{}
	}
}

// TestWatcherGoroutineSpike drives a real goroutine spike through the
// watcher, one metrics sample at a time on a stepped clock: no bundle
// before the spike, one per sample during it (the cooldown is one
// interval), pruned to MaxBundles after each write, none after it.
func TestWatcherGoroutineSpike(t *testing.T) {
	dir := t.TempDir()
	base := runtime.NumGoroutine()
	errs := make(chan error, 16)
	s, opts := newWatchStepper(t, time.Second)
	newCollector(t, append(opts,
		collector.WithErrorHandler(func(err error) {
			select {
			case errs <- err:
			default:
			}
		}),
		collector.WithWatch(collector.WatchOptions{
			Dir: dir, Goroutines: base + 500, Cooldown: time.Second, MaxBundles: 2,
			Seconds: 0.05, Include: []collector.Part{collector.PartGoroutines, collector.PartMetrics},
		}))...)
	for i := range 3 {
		if c := s.step(); len(c.Reasons) != 0 || c.Wrote {
			t.Fatalf("sample %d before the spike: %+v", i, c)
		}
	}
	if names, temps := bundles(t, dir); len(names)+temps != 0 {
		t.Fatalf("files %v (+%d temporary) before any spike", names, temps)
	}

	release := spike(1000)
	var seen []string
	for i := range 4 {
		c := s.step()
		if !slices.Equal(c.Reasons, []string{"goroutines"}) || !c.Wrote {
			release()
			t.Fatalf("sample %d of the spike: %+v, want a goroutines bundle", i, c)
		}
		// Pruning runs right after each write.
		names, temps := bundles(t, dir)
		if len(names) != min(i+1, 2) || temps != 0 {
			t.Errorf("after bundle %d: %v (+%d temporary), MaxBundles is 2", i+1, names, temps)
		}
		for _, n := range names {
			if !slices.Contains(seen, n) {
				seen = append(seen, n)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("saw %d distinct bundles in 4 samples of spike: %v", len(seen), seen)
	}
	names, _ := bundles(t, dir)
	// Inspect the newest bundle while the spike is still on; its name
	// carries the clock's time of the fourth spike sample.
	slices.Sort(names)
	newest := names[len(names)-1]
	if want := "gdiag-watch-20261206T010007.000Z-goroutines.gdiag"; newest != want {
		t.Errorf("newest bundle %q, want %q", newest, want)
	}
	b, err := bundle.Open(filepath.Join(dir, newest))
	if err != nil {
		release()
		t.Fatalf("open %s: %v", newest, err)
	}
	defer b.Close()
	if b.Manifest.Goroutines < base+1000 {
		t.Errorf("bundle saw %d goroutines, spike had %d over %d", b.Manifest.Goroutines, 1000, base)
	}
	if _, ok := b.Lookup(bundle.KindGoroutineProfile); !ok {
		t.Error("no goroutine profile in the watcher's bundle")
	}

	release()
	for i := range 3 {
		if c := s.step(); len(c.Reasons) != 0 || c.Wrote {
			t.Errorf("sample %d after the spike: %+v", i, c)
		}
	}
	if later, temps := bundles(t, dir); !slices.Equal(later, names) || temps != 0 {
		t.Errorf("after the spike: %v (+%d temporary), want %v", later, temps, names)
	}
	select {
	case err := <-errs:
		t.Errorf("error handler: %v", err)
	default:
	}
}

// TestWatcherCooldown: a spike that lasts an hour of one-minute samples
// gives one bundle, and the next once the hour-long cooldown has passed.
func TestWatcherCooldown(t *testing.T) {
	dir := t.TempDir()
	s, opts := newWatchStepper(t, time.Minute)
	newCollector(t, append(opts,
		collector.WithWatch(collector.WatchOptions{
			Dir: dir, HeapBytes: 1, Cooldown: time.Hour, // the heap is always above 1 byte
			Seconds: 0.01, Include: []collector.Part{collector.PartHeap},
		}))...)
	if c := s.step(); !c.Wrote {
		t.Fatalf("first sample over the threshold: %+v, want a bundle", c)
	}
	for i := 2; i <= 60; i++ { // minutes 1..59 after the first bundle
		if c := s.step(); c.Wrote || !slices.Equal(c.Reasons, []string{"heap"}) {
			t.Fatalf("sample %d, within the cooldown: %+v, want heap and no bundle", i, c)
		}
	}
	names, _ := bundles(t, dir)
	if len(names) != 1 || !strings.Contains(names[0], "-heap") {
		t.Errorf("bundles %v: want exactly one heap bundle within the cooldown", names)
	}
	if c := s.step(); !c.Wrote { // an hour after the first
		t.Fatalf("sample 61, cooldown over: %+v, want a bundle", c)
	}
	if names, _ := bundles(t, dir); len(names) != 2 {
		t.Errorf("bundles %v after the cooldown: want two", names)
	}
}
