package collector

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WatchOptions configures the watcher (WithWatch). A zero threshold is
// disabled; at least one must be set. The watcher runs after every metrics
// sample on one goroutine and costs a comparison per sample (plus reading
// /proc/self/statm when RSSBytes is set).
type WatchOptions struct {
	// Dir receives the bundles; it is created if missing. Bundles are named
	// gdiag-watch-<UTC time>-<reasons>.gdiag and written under a temporary
	// name (.tmp-gdiag-watch-<pid>-*), then renamed, so a reader never sees
	// a partial bundle. The watcher counts and deletes only files with
	// these prefixes: other files in Dir (a `gdiag capture` bundle, say)
	// are never touched.
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
	// 512 MiB): after each bundle the oldest (by capture time) are deleted
	// until both hold, temporary files counted. The newest bundle is always
	// kept; MaxBytes also caps one bundle, so it must be at least
	// MinWatchMaxBytes.
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
	if w.MaxBytes < MinWatchMaxBytes {
		c.errorf("watch: MaxBytes %d: a useful bundle needs at least %d bytes (1 MiB is kept for the manifest)", w.MaxBytes, MinWatchMaxBytes)
	}
	if w.Seconds == 0 {
		w.Seconds = DefaultWatchSeconds
	}
}

// MinWatchMaxBytes is the smallest WatchOptions.MaxBytes: the manifest
// reserve (1 MiB) plus room for the goroutine and heap profiles of a busy
// service. Below it every entry would be recorded as too large.
const MinWatchMaxBytes = 4 << 20

const (
	bundlePrefix = "gdiag-" // bundles served by the handler
	bundleSuffix = ".gdiag"
	watchPrefix  = "gdiag-watch-"      // the watcher's bundles
	tmpPrefix    = ".tmp-gdiag-watch-" // the watcher's temporary files: + <pid>-
	watchTime    = "20060102T150405.000Z"
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
	wrote := false
	if h := w.c.cfg.watchHook; h != nil {
		defer func() { h(ctx, reasons, wrote) }()
	}
	if len(reasons) == 0 {
		return
	}
	now := w.c.cfg.clock.Now()
	if !w.last.IsZero() && now.Sub(w.last) < w.opt.Cooldown {
		return
	}
	err := w.write(ctx, now, strings.Join(reasons, "+"))
	if errors.Is(err, ErrBusy) {
		return // a capture is running; try again at the next sample
	}
	w.last = now
	wrote = err == nil
	if err != nil && ctx.Err() == nil { // an abort by Close is not news
		w.c.report(err)
	}
	if err := w.prune(); err != nil {
		w.c.report(err)
	}
}

// write captures one bundle into Dir under a temporary name and renames it.
func (w *watcher) write(ctx context.Context, now time.Time, reason string) error {
	f, err := os.CreateTemp(w.opt.Dir, fmt.Sprintf("%s%d-*", tmpPrefix, os.Getpid()))
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
	name := filepath.Join(w.opt.Dir, watchPrefix+now.UTC().Format(watchTime)+"-"+reason+bundleSuffix)
	if err := os.Rename(f.Name(), name); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("collector: watch: %w", err)
	}
	return nil
}

// prune deletes the watcher's oldest bundles until at most MaxBundles
// remain and they, with the temporary files present, total at most
// MaxBytes, always keeping the newest. Only gdiag-watch-*.gdiag files are
// deleted, oldest capture time (from the name) first.
func (w *watcher) prune() error {
	ents, err := os.ReadDir(w.opt.Dir)
	if err != nil {
		return fmt.Errorf("collector: watch: %w", err)
	}
	type bundle struct {
		name string
		at   time.Time
		size int64
	}
	var bs []bundle
	var total int64
	for _, e := range ents {
		name := e.Name()
		own := strings.HasPrefix(name, watchPrefix) && strings.HasSuffix(name, bundleSuffix)
		if !e.Type().IsRegular() || !own && !strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("collector: watch: %w", err)
		}
		total += info.Size() // temporary files count against the cap too
		if !own {
			continue
		}
		at, err := time.Parse(watchTime, strings.TrimPrefix(name, watchPrefix)[:min(len(watchTime), len(name)-len(watchPrefix))])
		if err != nil {
			continue // not a name the watcher wrote: not ours to delete
		}
		bs = append(bs, bundle{name, at, info.Size()})
	}
	slices.SortFunc(bs, func(a, b bundle) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
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

// removeTemps deletes the temporary files a crashed watcher left in Dir:
// at once when the process that wrote one (its pid is in the name) is gone,
// else after staleTemp (another live process may share Dir).
func (w *watcher) removeTemps() {
	ents, err := os.ReadDir(w.opt.Dir)
	if err != nil {
		w.c.report(fmt.Errorf("collector: watch: %w", err))
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), tmpPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, perr := strconv.Atoi(pidText)
		dead := perr == nil && pid > 0 && pid != os.Getpid() && !processAlive(pid)
		// Real time, not the collector's clock: it is compared with a
		// file's modification time.
		if info, err := e.Info(); err == nil && (dead || time.Since(info.ModTime()) > staleTemp) {
			_ = os.Remove(filepath.Join(w.opt.Dir, e.Name()))
		}
	}
}
