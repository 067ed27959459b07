package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/collector/leakwatch"
	"github.com/gdiag/gdiag/fixtures/flashsale"
	"github.com/gdiag/gdiag/internal/term"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/html"
	"github.com/gdiag/gdiag/report/text"
)

// demoPlan is the timeline of one demo run.
type demoPlan struct {
	shape flashsale.Shape
	// captureAt is when the capture starts, from the start of the load: its
	// window ends just before the spike does, so that the bundle holds the
	// peak.
	captureAt time.Duration
}

// planDemo spreads the load over d: a ramp of a fifth, a spike of three
// fifths, a steady fifth; the capture window of seconds ends 250 ms before
// the spike ends (or starts with the spike when it is longer).
func planDemo(d time.Duration, seconds float64, concurrency int) demoPlan {
	ramp, spike := d/5, 3*d/5
	window := time.Duration(seconds * float64(time.Second))
	at := max(ramp+spike-window-250*time.Millisecond, ramp)
	return demoPlan{
		shape: flashsale.Shape{Ramp: ramp, Spike: spike, Steady: d - ramp - spike,
			Concurrency: concurrency, SpikeConcurrency: 4 * concurrency, MaxRequests: 200_000},
		captureAt: at,
	}
}

func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", "", stderr)
	var (
		duration    = fs.Duration("duration", 6*time.Second, "length of the flash-sale load (ramp, spike, steady)")
		seconds     = fs.Float64("seconds", 2, "CPU and wall-clock profile window of the capture, in seconds, inside the spike")
		faultList   = fs.String("faults", "all", "faults to switch on: "+strings.Join(flashsale.FaultNames(), ", ")+", all or none")
		concurrency = fs.Int("concurrency", 8, "steady client goroutines (the spike runs 4×)")
		outFile     = fs.String("o", "", "write the bundle to this file (default gdiag-demo-<time>.gdiag in --dir)")
		dir         = fs.String("dir", os.TempDir(), "directory for the bundle when -o is not given")
		format      = fs.String("format", "text", "report format: text, json or html")
		top         = fs.Int("top", leaks.DefaultTop, "goroutine buckets to list; when given, also findings the text view shows in full (default 5) (-1 = all)")
		color       = new(term.ColorMode)
		verbose     = fs.Bool("v", false, "text output: print every finding in full and every section and table")
		include     list
		full        = fs.Bool("full", true, "ask for the full goroutine text dump (states, wait times) even above the collector's stop-the-world budget; the demo's few thousand goroutines pause it for milliseconds")
	)
	fs.Var(color, "color", "colour `mode` of text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	fs.Var(&include, "include", "comma-separated parts the capture takes, as for gdiag capture; default all")
	if pos, err := parseFlags(fs, args); err != nil {
		return exitUsage
	} else if len(pos) != 0 {
		fmt.Fprintf(stderr, "gdiag demo: unexpected arguments %q\n", pos)
		return exitUsage
	}
	faults, err := flashsale.ParseFaults(*faultList)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "gdiag demo: --faults: %v\n", err)
		return exitUsage
	case *duration <= 0 || *duration > 10*time.Minute:
		fmt.Fprintln(stderr, "gdiag demo: --duration must be in (0, 10m]")
		return exitUsage
	case *seconds < 0 || *seconds > duration.Seconds():
		fmt.Fprintln(stderr, "gdiag demo: --seconds must be in [0, --duration]")
		return exitUsage
	case *concurrency < 1:
		fmt.Fprintln(stderr, "gdiag demo: --concurrency must be at least 1")
		return exitUsage
	case *format != "text" && *format != "json" && *format != "html":
		fmt.Fprintf(stderr, "gdiag demo: --format: unknown format %q (want text, json or html)\n", *format)
		return exitUsage
	}
	path := *outFile
	if path == "" {
		path = filepath.Join(*dir, "gdiag-demo-"+time.Now().UTC().Format("20060102T150405Z")+".gdiag")
	}
	d := demo{plan: planDemo(*duration, *seconds, *concurrency), seconds: *seconds, full: *full, include: include, faults: faults,
		path: path, stdout: stdout, stderr: stderr, progress: progressTo(stderr)}
	res, err := d.run()
	if err != nil {
		fmt.Fprintf(stderr, "gdiag demo: %v\n", err)
		return exitCaptureFailed
	}

	in, err := analyzer.Load(res.Path, analyzer.LoadOptions{})
	if in == nil {
		fmt.Fprintf(stderr, "gdiag demo: %v\n", err)
		return exitCaptureFailed
	}
	if err != nil {
		in.Warnings = append(in.Warnings, err)
	}
	rep := analyzer.Analyze([]*analyzer.Input{in}, analyzer.Options{Leaks: leaks.Options{Top: *top}})
	switch *format {
	case "json":
		err = report.WriteJSON(stdout, rep)
	case "html":
		err = html.Write(stdout, rep)
	default:
		out := output{color: color, verbose: verbose, brief: true, fs: fs, top: top}
		err = text.Write(stdout, rep, out.textOptions(stdout))
	}
	if err != nil {
		fmt.Fprintf(stderr, "gdiag demo: %v\n", err)
		return exitCaptureFailed
	}
	out := stdout
	if *format != "text" {
		out = stderr // keep the JSON or HTML clean
	}
	fmt.Fprintf(out, "\nThe bundle stays on disk: %s (%s)\n", res.Path, units.Bytes(float64(res.Bytes)))
	printExplore(out, res.Path, res.Manifest)
	if pprof.Lookup("goroutineleak") == nil {
		fmt.Fprintf(out, "\n%s has no goroutineleak profile. To let the runtime itself prove the leaks, run\n", runtime.Version())
		fmt.Fprintln(out, "  GOTOOLCHAIN=go1.27.3 go run ./cmd/gdiag demo                  # Go 1.27+ has it")
		fmt.Fprintln(out, "  GOEXPERIMENT=goroutineleakprofile go run ./cmd/gdiag demo     # Go 1.26")
	}
	return exitOK
}

// demo is one run of the flash-sale demo.
type demo struct {
	plan           demoPlan
	seconds        float64
	full           bool
	include        []string
	faults         flashsale.Faults
	path           string
	stdout, stderr io.Writer
	progress       progressFunc
}

// run starts the collector and the service on loopback, drives the load,
// captures a bundle through the HTTP endpoint at the peak and shuts
// everything down again.
func (d demo) run() (res *fetchResult, err error) {
	var (
		mu     sync.Mutex
		bgErrs []error
	)
	// The live leak watch, on in the demo, paced to the load: 20
	// snapshots over the run, the goroutineleak profile four times.
	total := d.plan.shape.Ramp + d.plan.shape.Spike + d.plan.shape.Steady
	every := max(total/20, 100*time.Millisecond)
	watch, err := leakwatch.New(leakwatch.Options{Interval: every, LeakInterval: max(total/4, every), Window: max(total, every), Budget: 0.1})
	if err != nil {
		return nil, err
	}
	col, err := collector.New(
		collector.WithLeakWatch(watch),
		// The block and mutex profiles, so the convoy shows; the
		// collector turns them on now and back off at Close, and the
		// manifest records since when they sampled.
		collector.WithMutexProfileFraction(5, collector.SampleAlways),
		collector.WithBlockProfileRate(int(10*time.Microsecond), collector.SampleAlways),
		collector.WithMetricsInterval(200*time.Millisecond),
		collector.WithHistory(2*time.Minute),
		collector.WithFlightRecorder(2*time.Second, 8<<20),
		collector.WithErrorHandler(func(err error) {
			mu.Lock()
			bgErrs = append(bgErrs, err)
			mu.Unlock()
		}))
	if err != nil {
		return nil, err
	}
	defer col.Close()
	svc, err := flashsale.New(flashsale.Config{
		Faults:        d.faults,
		RiskSlowEvery: 10, // enough timed-out risk calls to see the leak in seconds
		Mount:         map[string]http.Handler{"/debug/gdiag/": col.Handler()},
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := svc.Close(); cerr != nil && err == nil && !errors.Is(cerr, context.DeadlineExceeded) {
			err = cerr
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on loopback: %w", err)
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		_ = srv.Close()
		<-served
	}()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(d.stderr, "gdiag demo: flash-sale service on %s, faults %s, collector at %s/debug/gdiag/\n", base, d.faults, base)
	sh := d.plan.shape
	fmt.Fprintf(d.stderr, "gdiag demo: load %v (ramp %v to %d clients, spike %v at %d, steady %v); capture at +%v with a %gs profile window\n",
		sh.Ramp+sh.Spike+sh.Steady, sh.Ramp, sh.Concurrency, sh.Spike, sh.SpikeConcurrency, sh.Steady, d.plan.captureAt, d.seconds)

	ctx, cancel := context.WithTimeout(context.Background(), sh.Ramp+sh.Spike+sh.Steady+2*time.Minute)
	defer cancel()
	type loadDone struct {
		res flashsale.Result
		err error
	}
	loaded := make(chan loadDone, 1)
	go func() {
		r, err := flashsale.Load(ctx, base, sh)
		loaded <- loadDone{r, err}
	}()

	select {
	case <-time.After(d.plan.captureAt):
	case l := <-loaded:
		return nil, fmt.Errorf("load ended before the capture: %v", l.err)
	}
	q := fmt.Sprintf("seconds=%g", d.seconds)
	if d.full {
		q += "&full=1"
	}
	fmt.Fprintf(d.stderr, "gdiag demo: capturing %s/debug/gdiag/bundle?%s …\n", base, q)
	res, err = fetchBundle(ctx, fetchRequest{URL: base + "/debug/gdiag/", Seconds: d.seconds, Full: d.full, Include: d.include, Out: d.path}, d.progress)
	l := <-loaded
	if err != nil {
		return nil, err
	}
	if l.err != nil {
		return nil, fmt.Errorf("load: %w", l.err)
	}
	st := svc.Stats()
	fmt.Fprintf(d.stderr, "gdiag demo: load done: %d requests, %.0f req/s, p50 %v, p99 %v, %d errors\n",
		l.res.Requests, l.res.Throughput, l.res.P50, l.res.P99, l.res.ErrorCount())
	fmt.Fprintf(d.stderr, "gdiag demo: the service leaked %d senders, %d ticker pollers, %d context watchers; cache %d entries (%s)\n",
		st.LeakedSenders, st.LeakedPollers, st.LeakedWatchers, st.CacheEntries, units.Bytes(float64(st.CacheBytes)))
	fmt.Fprintf(d.stderr, "gdiag demo: live leak watch: %s (GET %s/debug/gdiag/leaks while it runs)\n", watch.Summary(), base)
	fmt.Fprintf(d.stderr, "gdiag demo: bundle %s (%s) with %d goroutines\n\n", res.Path, units.Bytes(float64(res.Bytes)), res.Manifest.Goroutines)
	mu.Lock()
	for _, e := range bgErrs {
		fmt.Fprintf(d.stderr, "gdiag demo: collector: %v\n", e)
	}
	mu.Unlock()
	return res, nil
}
