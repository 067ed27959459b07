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

// TestWatcherGoroutineSpike drives a real goroutine spike through the
// watcher: bundles appear in Dir, are pruned to MaxBundles, and stop when
// the spike ends.
func TestWatcherGoroutineSpike(t *testing.T) {
	dir := t.TempDir()
	base := runtime.NumGoroutine()
	errs := make(chan error, 16)
	newCollector(t,
		collector.WithMetricsInterval(20*time.Millisecond),
		collector.WithErrorHandler(func(err error) {
			select {
			case errs <- err:
			default:
			}
		}),
		collector.WithWatch(collector.WatchOptions{
			Dir: dir, Goroutines: base + 500, Cooldown: time.Millisecond, MaxBundles: 2,
			Seconds: 0.05, Include: []collector.Part{collector.PartGoroutines, collector.PartMetrics},
		}))
	time.Sleep(100 * time.Millisecond)
	if names, _ := bundles(t, dir); len(names) != 0 {
		t.Fatalf("bundles %v before any spike", names)
	}

	release := spike(1000)
	seen := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for len(seen) < 4 && time.Now().Before(deadline) {
		names, _ := bundles(t, dir)
		if len(names) > 3 { // pruning runs right after each write
			t.Errorf("%d bundles in dir, MaxBundles is 2: %v", len(names), names)
		}
		for _, n := range names {
			seen[n] = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(seen) < 4 {
		release()
		t.Fatalf("saw %d bundles in 5 s of spike", len(seen))
	}
	names, _ := bundles(t, dir)
	if len(names) == 0 || len(names) > 3 {
		t.Fatalf("dir holds %v", names)
	}
	// Inspect the newest bundle while the spike is still on.
	slices.Sort(names)
	newest := names[len(names)-1]
	if !strings.HasPrefix(newest, "gdiag-") || !strings.Contains(newest, "-goroutines") {
		t.Errorf("bundle name %q: want gdiag-<time>-goroutines.gdiag", newest)
	}
	b, err := bundle.Open(filepath.Join(dir, newest))
	if err != nil {
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
	// The last in-flight bundle lands, then the directory must stay still:
	// two listings 300 ms apart that agree and hold no temporary file. On a
	// loaded machine the in-flight write may take a while, so poll (bounded)
	// instead of sleeping a fixed time.
	var later []string
	var temps int
	for settle := time.Now().Add(10 * time.Second); ; {
		after, tempsBefore := bundles(t, dir)
		time.Sleep(300 * time.Millisecond)
		later, temps = bundles(t, dir)
		if slices.Equal(after, later) && tempsBefore == 0 && temps == 0 {
			break
		}
		if time.Now().After(settle) {
			t.Fatalf("bundles kept coming after the spike: %v → %v (%d temporary files)", after, later, temps)
		}
	}
	if len(later) > 2 {
		t.Errorf("after pruning: %v, MaxBundles is 2", later)
	}
	select {
	case err := <-errs:
		t.Errorf("error handler: %v", err)
	default:
	}
}

// TestWatcherCooldown: a spike that lasts many intervals gives one bundle.
func TestWatcherCooldown(t *testing.T) {
	dir := t.TempDir()
	newCollector(t,
		collector.WithMetricsInterval(10*time.Millisecond),
		collector.WithWatch(collector.WatchOptions{
			Dir: dir, HeapBytes: 1, Cooldown: time.Hour, // the heap is always above 1 byte
			Seconds: 0.01, Include: []collector.Part{collector.PartHeap},
		}))
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if names, _ := bundles(t, dir); len(names) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // 30 more samples over the threshold
	names, _ := bundles(t, dir)
	if len(names) != 1 || !strings.Contains(names[0], "-heap") {
		t.Errorf("bundles %v: want exactly one heap bundle within the cooldown", names)
	}
}
