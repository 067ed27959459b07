package collector

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// WatchOptions configures the watcher (WithWatch). A zero threshold is
// disabled; at least one must be set. The watcher runs after every metrics
// sample on one goroutine and costs a comparison per sample (plus reading
// /proc/self/statm when RSSBytes is set).
type WatchOptions struct {
	// Dir receives the bundles; it is created if missing. Bundles are named
	// gdiag-<UTC time>-<reasons>.gdiag and written under a temporary name,
	// then renamed, so a reader never sees a partial bundle.
	Dir string
	// Goroutines triggers when runtime goroutines reach this count.
	Goroutines int
	// HeapBytes triggers when the live heap (/gc/heap/live:bytes) reaches it.
	HeapBytes uint64
	// GCCPUPercent triggers when the GC used at least this share of the
	// CPU time over the last metrics interval (100 = all of it).
	GCCPUPercent float64
	// RSSBytes triggers when the resident set size reaches it.
	RSSBytes uint64
	// Cooldown is the least time between two bundles (default 10 min).
	Cooldown time.Duration
	// MaxBundles and MaxBytes bound the bundles kept in Dir (defaults 5 and
	// 512 MiB): after each bundle the oldest are deleted until both hold.
	// The newest bundle is always kept; MaxBytes also caps one bundle.
	MaxBundles int
	MaxBytes   int64
	// Seconds is the CPU and wall-clock profile window (default 5).
	Seconds float64
	// Include lists the parts to capture; nil means all available.
	Include []Part
}

func (w *WatchOptions) validate(c *config) {
	if w.Dir == "" {
		c.errorf("watch: empty Dir")
	} else if err := os.MkdirAll(w.Dir, 0o755); err != nil {
		c.errorf("watch: %w", err)
	}
	if w.Goroutines <= 0 && w.HeapBytes == 0 && !(w.GCCPUPercent > 0) && w.RSSBytes == 0 {
		c.errorf("watch: no threshold set")
	}
	if w.Goroutines < 0 || w.GCCPUPercent < 0 || w.Cooldown < 0 || w.MaxBundles < 0 || w.MaxBytes < 0 || w.Seconds < 0 {
		c.errorf("watch: negative threshold or limit")
	}
	if w.Seconds > c.maxSeconds {
		c.errorf("watch: seconds %v exceeds max seconds %v", w.Seconds, c.maxSeconds)
	}
	for _, p := range w.Include {
		if !slices.Contains(AllParts(), p) {
			c.errorf("watch: unknown part %q", p)
		}
	}
	if w.Cooldown == 0 {
		w.Cooldown = DefaultWatchCooldown
	}
	if w.MaxBundles == 0 {
		w.MaxBundles = DefaultWatchMaxBundles
	}
	if w.MaxBytes == 0 {
		w.MaxBytes = DefaultWatchMaxBytes
	}
	if w.Seconds == 0 {
		w.Seconds = DefaultWatchSeconds
	}
}

const (
	bundlePrefix = "gdiag-"
	bundleSuffix = ".gdiag"
	tmpPrefix    = ".tmp-gdiag-"
	staleTemp    = time.Hour
)

type watcher struct {
	c    *Collector
	opt  WatchOptions
	last time.Time // when the last bundle was attempted
}

func newWatcher(c *Collector, opt WatchOptions) *watcher { return &watcher{c: c, opt: opt} }

// run checks each new sample until ctx is cancelled.
func (w *watcher) run(ctx context.Context) {
	w.removeTemps()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.c.notify:
			w.check(ctx)
		}
	}
}

// reasons lists the thresholds the newest sample crosses.
func (w *watcher) reasons(ctx context.Context) []string {
	cur, prev, ok, ok2 := w.c.ring.last()
	if !ok {
		return nil
	}
	var out []string
	if w.opt.Goroutines > 0 && cur.Goroutines >= uint64(w.opt.Goroutines) {
		out = append(out, "goroutines")
	}
	if w.opt.HeapBytes > 0 && cur.HeapLiveBytes >= w.opt.HeapBytes {
		out = append(out, "heap")
	}
	if w.opt.GCCPUPercent > 0 && ok2 && gcCPUPercent(prev, cur) >= w.opt.GCCPUPercent {
		out = append(out, "gccpu")
	}
	if w.opt.RSSBytes > 0 {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		rss, err := readRSS(rctx)
		cancel()
		if err != nil {
			w.c.report(fmt.Errorf("collector: watch: %w", err))
		} else if rss >= w.opt.RSSBytes {
			out = append(out, "rss")
		}
	}
	return out
}

func (w *watcher) check(ctx context.Context) {
	reasons := w.reasons(ctx)
	if len(reasons) == 0 {
		return
	}
	now := time.Now()
	if !w.last.IsZero() && now.Sub(w.last) < w.opt.Cooldown {
		return
	}
	err := w.write(ctx, now, strings.Join(reasons, "+"))
	if errors.Is(err, ErrBusy) {
		return // a capture is running; try again at the next sample
	}
	w.last = now
	if err != nil && ctx.Err() == nil { // an abort by Close is not news
		w.c.report(err)
	}
	if err := w.prune(); err != nil {
		w.c.report(err)
	}
}

// write captures one bundle into Dir under a temporary name and renames it.
func (w *watcher) write(ctx context.Context, now time.Time, reason string) error {
	f, err := os.CreateTemp(w.opt.Dir, tmpPrefix+"*")
	if err != nil {
		return fmt.Errorf("collector: watch: %w", err)
	}
	req := CaptureRequest{Seconds: w.opt.Seconds, Include: w.opt.Include}
	_, cerr := w.c.capture(ctx, f, req, min(w.c.cfg.maxBundleBytes, w.opt.MaxBytes), nil)
	if cerr == nil {
		cerr = f.Sync()
	}
	if err := f.Close(); err != nil && cerr == nil {
		cerr = err
	}
	if cerr != nil {
		_ = os.Remove(f.Name())
		if errors.Is(cerr, ErrBusy) {
			return cerr
		}
		return fmt.Errorf("collector: watch: bundle for %s: %w", reason, cerr)
	}
	name := filepath.Join(w.opt.Dir, bundlePrefix+now.UTC().Format("20060102T150405.000Z")+"-"+reason+bundleSuffix)
	if err := os.Rename(f.Name(), name); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("collector: watch: %w", err)
	}
	return nil
}

// prune deletes the oldest bundles until at most MaxBundles remain and they
// total at most MaxBytes, always keeping the newest.
func (w *watcher) prune() error {
	ents, err := os.ReadDir(w.opt.Dir)
	if err != nil {
		return fmt.Errorf("collector: watch: %w", err)
	}
	type bundle struct {
		name string
		size int64
	}
	var bs []bundle
	var total int64
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), bundlePrefix) || !strings.HasSuffix(e.Name(), bundleSuffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("collector: watch: %w", err)
		}
		bs = append(bs, bundle{e.Name(), info.Size()})
		total += info.Size()
	}
	// Names start with the UTC time, so name order is age order.
	slices.SortFunc(bs, func(a, b bundle) int { return strings.Compare(a.name, b.name) })
	var errs []error
	for len(bs) > 1 && (len(bs) > w.opt.MaxBundles || total > w.opt.MaxBytes) {
		if err := os.Remove(filepath.Join(w.opt.Dir, bs[0].name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("collector: watch: %w", err))
		}
		total -= bs[0].size
		bs = bs[1:]
	}
	return errors.Join(errs...)
}

// removeTemps deletes temporary files a crashed process left in Dir.
func (w *watcher) removeTemps() {
	ents, err := os.ReadDir(w.opt.Dir)
	if err != nil {
		w.c.report(fmt.Errorf("collector: watch: %w", err))
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		// Another process sharing Dir may be writing a young one.
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(w.opt.Dir, e.Name()))
		}
	}
}
