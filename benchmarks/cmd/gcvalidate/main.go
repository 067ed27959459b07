// Command gcvalidate checks gdiag's GC model against the real runtime. It
// runs the flash-sale fixture (fixtures/flashsale, with a steady live heap of
// Config.Sessions sessions) in a child process per setting, so that GOGC and
// GOMEMLIMIT apply from the start, drives the same load against it, and
// measures GC CPU share and peak heap from the child's own runtime/metrics.
// It captures a real bundle from the GOGC=100 run through the collector's
// debug endpoint, loads it with analyzer.Load, calibrates gctune's model on
// it alone and compares the model's predictions for GOGC 50, 100, 200, 400
// and GOGC=off with a GOMEMLIMIT with the measurements. It then applies the
// recommendation gctune makes for that bundle and measures whether the metric
// moved as promised.
//
//	cd benchmarks && go run ./cmd/gcvalidate -rounds 3
//
// Noise: the machine's cores may be shared, and the runtime's /cpu/classes
// figures are wall-time based. Every run does the same fixed number of
// requests; GC CPU share is GC / (GC + user) over whole GC cycles (both
// inflate alike when the process is descheduled); settings run in rotated
// order over several rounds and the table shows medians with min–max.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/fixtures/flashsale"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/internal/units"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// config is the experiment's parameters.
type config struct {
	sessions       int
	faults         string
	minCycles      int
	bundleRequests int
	concurrency    int
	warmup         time.Duration
	requests       int
	rounds         int
	interval       time.Duration
	limit          string // GOMEMLIMIT of the GOGC=off row; "auto" = non-heap + 2.5 × live heap
	budget         string // memory budget of the recommendation objective
	target         float64
	bundle         string
	exe            string
	stderr         io.Writer
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gcvalidate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	serveMode := fs.Bool("serve", false, "internal: run the service (child process)")
	fs.IntVar(&c.sessions, "sessions", 30_000, "sessions held by the service (≈1 KiB of live heap each)")
	fs.StringVar(&c.faults, "faults", "alloc-churn", "fixture faults (alloc-churn: a 64 KiB buffer per GET /items, the allocation rate of a busy sale)")
	fs.IntVar(&c.minCycles, "min-cycles", 30, "lengthen a setting's run so the model expects at least this many GC cycles in its window")
	fs.IntVar(&c.concurrency, "concurrency", 8, "load: client goroutines")
	fs.DurationVar(&c.warmup, "warmup", 3*time.Second, "load before the measurement window")
	fs.IntVar(&c.requests, "requests", 20_000, "load: requests in the measurement window (the fixed amount of work)")
	fs.IntVar(&c.rounds, "rounds", 3, "repetitions of every setting (medians are reported)")
	fs.DurationVar(&c.interval, "interval", 250*time.Millisecond, "collector metrics interval")
	fs.StringVar(&c.limit, "limit", "auto", "GOMEMLIMIT of the GOGC=off row (auto: non-heap memory + 2.5 × live heap of the GOGC=100 bundle)")
	fs.StringVar(&c.budget, "budget", "1GiB", "memory budget of the recommendation objective")
	fs.Float64Var(&c.target, "target", gctune.DefaultTargetGCCPUShare, "GC CPU share target of the recommendation")
	fs.IntVar(&c.bundleRequests, "bundle-requests", 60_000, "requests in the GOGC=100 run whose bundle calibrates the model")
	fs.StringVar(&c.bundle, "bundle", "", "keep the GOGC=100 bundle at this path")
	jsonOut := fs.Bool("json", false, "print the results as JSON")
	replay := fs.String("replay", "", "re-predict the measurements of an earlier -json output from its bundle (-bundle) with the current model, without running anything")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *serveMode {
		f, err := flashsale.ParseFaults(c.faults)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		return serve(c.sessions, f, c.interval, stdin, stdout, stderr)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	c.exe, c.stderr = exe, stderr
	var res *results
	if *replay != "" {
		res, err = replayResults(*replay, c.bundle)
	} else {
		res, err = experiment(context.Background(), c)
	}
	if err != nil {
		fmt.Fprintln(stderr, "gcvalidate:", err)
		return 1
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return 1
		}
		return 0
	}
	writeTable(stdout, res)
	return 0
}

// row is one setting: the model's prediction and the measurements.
type row struct {
	Setting       string        `json:"setting"`
	Env           []string      `json:"env"`
	PredShare     float64       `json:"pred_gc_share"`
	PredPeak      int64         `json:"pred_peak_heap_bytes"`
	Runs          []measurement `json:"runs"`
	Share         float64       `json:"gc_share"` // median over runs
	ShareMin      float64       `json:"gc_share_min"`
	ShareMax      float64       `json:"gc_share_max"`
	Peak          float64       `json:"peak_heap_bytes"` // median over runs
	PeakMin       float64       `json:"peak_heap_min"`
	PeakMax       float64       `json:"peak_heap_max"`
	ShareErr      float64       `json:"gc_share_err"`       // (pred − measured) / measured
	ShareWhole    float64       `json:"gc_share_whole_run"` // median over runs of the whole-window share
	ShareWholeMin float64       `json:"gc_share_whole_run_min"`
	ShareWholeMax float64       `json:"gc_share_whole_run_max"`
	PeakErr       float64       `json:"peak_heap_err"`
	Recommended   bool          `json:"recommended,omitempty"`
	Requests      int           `json:"requests"` // per run
	PredCycles    float64       `json:"pred_cycles_per_s"`
	CyclesPerSecM float64       `json:"cycles_per_s"`
}

// results is the whole experiment.
type results struct {
	Config struct {
		Sessions, Concurrency, Requests, Rounds int
		Warmup, Interval                        string
	} `json:"config"`
	Baseline measurement  `json:"baseline_run"`
	Model    gctune.Model `json:"model"`
	// Observed and Reproduced are the bundle's own GC CPU share and the
	// model's prediction for the bundle's settings (its self-consistency).
	Observed    float64 `json:"bundle_gc_share"`
	Reproduced  float64 `json:"bundle_gc_share_model"`
	LiveHeap    int64   `json:"live_heap_bytes"`
	AllocRate   float64 `json:"alloc_bytes_per_s"`
	Rows        []row   `json:"rows"`
	Recommend   string  `json:"recommendation"`
	RecPromise  string  `json:"recommendation_promise"`
	RecMeasured string  `json:"recommendation_measured"`
	MaxShareErr float64 `json:"max_gc_share_err"`
	MaxPeakErr  float64 `json:"max_peak_heap_err"`
}

func experiment(ctx context.Context, c config) (*results, error) {
	res := &results{}
	res.Config.Sessions, res.Config.Concurrency, res.Config.Requests, res.Config.Rounds = c.sessions, c.concurrency, c.requests, c.rounds
	res.Config.Warmup, res.Config.Interval = c.warmup.String(), c.interval.String()

	// 1. The GOGC=100 run that gives the bundle.
	fmt.Fprintln(c.stderr, "gcvalidate: baseline run with bundle (GOGC=100)")
	base, bundle, err := runOnce(ctx, c, []string{"GOGC=100"}, c.bundleRequests, true)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	res.Baseline = base
	path := c.bundle
	if path == "" {
		f, err := os.CreateTemp("", "gcvalidate-*.gdiag")
		if err != nil {
			return nil, err
		}
		path = f.Name()
		f.Close()
		defer os.Remove(path)
	}
	if err := os.WriteFile(path, bundle, 0o644); err != nil {
		return nil, err
	}
	an, err := analyzeBundle(path, res)
	if err != nil {
		return nil, err
	}

	// 2. The settings and the model's predictions from the bundle alone.
	limit := int64(0)
	if c.limit == "auto" {
		limit = an.Model.NonHeapBytes + int64(2.5*float64(an.LiveHeapBytes))
		limit -= limit % (1 << 20)
	} else if limit, err = units.ParseBytes(c.limit); err != nil {
		return nil, err
	}
	cands := []gctune.Candidate{{GOGC: 50}, {GOGC: 100}, {GOGC: 200}, {GOGC: 400}, {GOGC: gctune.Off, MemoryLimitBytes: limit}}
	budget, err := units.ParseBytes(c.budget)
	if err != nil {
		return nil, err
	}
	target := c.target
	if target == 0 {
		target = gctune.DefaultTargetGCCPUShare
	}
	var rec *gctune.Recommendation
	for _, r := range gctune.Recommend(an, gctune.Objective{MemoryBudgetBytes: budget, TargetGCCPUShare: target}) {
		if r.Finding.Check == gctune.CheckGOGCTooLow {
			rec = &r
		}
	}
	if rec == nil {
		return nil, fmt.Errorf("no %s recommendation for the GOGC=100 bundle (GC share %.3f, target %.3f)", gctune.CheckGOGCTooLow, an.GCCPUShare, target)
	}
	recCand := rec.After.Candidate
	res.Recommend = recCand.String()
	cands = append(cands, recCand)
	preds := gctune.Explore(an, cands)
	for i, cand := range cands {
		// Enough requests for minCycles cycles at the predicted rate.
		n := c.requests
		if preds[i].CyclesPerSec > 0 {
			n = max(n, int(float64(c.minCycles)/preds[i].CyclesPerSec*float64(base.Requests)/base.LoadSec))
		}
		res.Rows = append(res.Rows, row{Setting: cand.String(), Env: envOf(cand), PredShare: preds[i].GCCPUShare, Requests: n,
			PredPeak: preds[i].PeakHeapBytes, PredCycles: preds[i].CyclesPerSec, Recommended: i == len(cands)-1})
	}

	// 3. Measure every setting, rotating the order each round.
	for r := range c.rounds {
		for k := range res.Rows {
			i := (k + r) % len(res.Rows)
			fmt.Fprintf(c.stderr, "gcvalidate: round %d/%d: %s\n", r+1, c.rounds, res.Rows[i].Setting)
			m, _, err := runOnce(ctx, c, res.Rows[i].Env, res.Rows[i].Requests, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", res.Rows[i].Setting, err)
			}
			res.Rows[i].Runs = append(res.Rows[i].Runs, m)
		}
	}
	summarize(res)
	recRow := res.Rows[len(res.Rows)-1]
	res.RecPromise = fmt.Sprintf("%s: GC CPU %.1f%% → %.1f%%, peak heap %s → %s (budget %s)", recCand,
		rec.Before.GCCPUShare*100, rec.After.GCCPUShare*100, mib(float64(rec.Before.PeakHeapBytes)), mib(float64(rec.After.PeakHeapBytes)), c.budget)
	res.RecMeasured = fmt.Sprintf("measured GC CPU %.1f%% → %.1f%%, peak heap %s → %s", res.Rows[1].Share*100, recRow.Share*100, mib(res.Rows[1].Peak), mib(recRow.Peak))
	return res, nil
}

// analyzeBundle loads the bundle at path and calibrates gctune on it alone.
func analyzeBundle(path string, res *results) (*gctune.Result, error) {
	in, err := analyzer.Load(path, analyzer.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("load bundle: %w", err)
	}
	an, err := gctune.Analyze(gctune.Input{Manifest: in.Manifest, History: in.Metrics}, gctune.Options{})
	if err != nil {
		return nil, fmt.Errorf("analyze bundle: %w", err)
	}
	res.Model, res.LiveHeap, res.AllocRate = an.Model, an.LiveHeapBytes, an.AllocBytesPerSec
	res.Observed, res.Reproduced = an.GCCPUShare, an.Baseline.GCCPUShare
	return an, nil
}

// replayResults re-predicts the rows of an earlier run from its bundle.
func replayResults(path, bundle string) (*results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	res := &results{}
	if err := json.Unmarshal(b, res); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	an, err := analyzeBundle(bundle, res)
	if err != nil {
		return nil, err
	}
	for i := range res.Rows {
		c, err := candidateOf(res.Rows[i].Env)
		if err != nil {
			return nil, err
		}
		p := gctune.Simulate(an.Model, c, an.Workload)
		res.Rows[i].PredShare, res.Rows[i].PredPeak, res.Rows[i].PredCycles = p.GCCPUShare, p.PeakHeapBytes, p.CyclesPerSec
	}
	summarize(res)
	return res, nil
}

func candidateOf(env []string) (gctune.Candidate, error) {
	c := gctune.Candidate{MemoryLimitBytes: gctune.NoLimit}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "GOGC":
			if v == "off" {
				c.GOGC = gctune.Off
			} else {
				c.GOGC, err = strconv.Atoi(v)
			}
		case "GOMEMLIMIT":
			c.MemoryLimitBytes, err = units.ParseBytes(v)
		}
		if err != nil {
			return c, fmt.Errorf("%s: %w", kv, err)
		}
	}
	return c, nil
}

// summarize computes the medians and errors of every row.
func summarize(res *results) {
	res.MaxShareErr, res.MaxPeakErr = 0, 0
	for i := range res.Rows {
		rw := &res.Rows[i]
		var shares, whole, peaks, cyc []float64
		for _, m := range rw.Runs {
			whole = append(whole, m.GCShare)
			if m.BlockShare > 0 {
				shares = append(shares, m.BlockShare)
			} else {
				shares = append(shares, m.GCShare)
			}
			peaks = append(peaks, float64(m.PeakHeap))
			cyc = append(cyc, float64(m.Cycles)/m.WindowSec)
		}
		rw.Share, rw.ShareMin, rw.ShareMax = median(shares), slices.Min(shares), slices.Max(shares)
		rw.ShareWhole, rw.ShareWholeMin, rw.ShareWholeMax = median(whole), slices.Min(whole), slices.Max(whole)
		rw.Peak, rw.PeakMin, rw.PeakMax = median(peaks), slices.Min(peaks), slices.Max(peaks)
		rw.CyclesPerSecM = median(cyc)
		rw.ShareErr = (rw.PredShare - rw.Share) / rw.Share
		rw.PeakErr = (float64(rw.PredPeak) - rw.Peak) / rw.Peak
		res.MaxShareErr = math.Max(res.MaxShareErr, math.Abs(rw.ShareErr))
		res.MaxPeakErr = math.Max(res.MaxPeakErr, math.Abs(rw.PeakErr))
	}
}

func envOf(c gctune.Candidate) []string {
	g := "GOGC=off"
	if c.GOGC >= 0 {
		g = fmt.Sprintf("GOGC=%d", c.GOGC)
	}
	env := []string{g}
	if c.MemoryLimitBytes > 0 && c.MemoryLimitBytes < gctune.NoLimit {
		env = append(env, "GOMEMLIMIT="+units.MemLimit(c.MemoryLimitBytes))
	}
	return env
}

// runOnce starts a service process with env, warms it up, measures a fixed
// number of requests and, with bundle, captures a bundle over the debug
// endpoint afterwards.
func runOnce(ctx context.Context, c config, env []string, requests int, bundle bool) (measurement, []byte, error) {
	var m measurement
	cmd := exec.CommandContext(ctx, c.exe, "-serve", "-sessions", fmt.Sprint(c.sessions), "-faults", c.faults, "-interval", c.interval.String())
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOGC=") && !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, "GODEBUG=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = c.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return m, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return m, nil, err
	}
	if err := cmd.Start(); err != nil {
		return m, nil, err
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return m, nil, fmt.Errorf("child did not start: %w", err)
	}
	base := strings.TrimSpace(line)
	if _, err := flashsale.Load(ctx, base, flashsale.Shape{Steady: c.warmup, Concurrency: c.concurrency, MaxRequests: math.MaxInt32}); err != nil {
		return m, nil, fmt.Errorf("warm-up: %w", err)
	}
	if _, err := post(base + "/gcv/start"); err != nil {
		return m, nil, err
	}
	lr, err := flashsale.Load(ctx, base, flashsale.Shape{Steady: 10 * time.Minute, Concurrency: c.concurrency, MaxRequests: requests})
	if err != nil {
		return m, nil, fmt.Errorf("load: %w", err)
	}
	if lr.Requests < requests*9/10 {
		return m, nil, fmt.Errorf("load: only %d of %d requests completed", lr.Requests, requests)
	}
	body, err := post(base + "/gcv/stop")
	if err != nil {
		return m, nil, err
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, nil, fmt.Errorf("measurement: %w", err)
	}
	m.Requests, m.LoadSec = lr.Requests, lr.Elapsed.Seconds()
	fmt.Fprintf(c.stderr, "gcvalidate:   %s: %d requests in %s, %d cycles in %.1fs, GC share %.2f%% (median 2 s block %.2f%%; idle mark %.2fs of %.2fs GC), peak heap %s, live %s, alloc %s/s\n",
		strings.Join(env, " "), lr.Requests, lr.Elapsed.Round(time.Millisecond), m.Cycles, m.WindowSec, m.GCShare*100, m.BlockShare*100, m.IdleMarkS, m.GCSec, mib(float64(m.PeakHeap)), mib(float64(m.LiveHeap)), mib(m.AllocRate))
	if !bundle {
		return m, nil, nil
	}
	resp, err := http.Get(base + "/debug/gdiag/bundle?seconds=0&include=metrics,heap")
	if err != nil {
		return m, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("bundle: %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	return m, b, err
}

func post(url string) ([]byte, error) {
	resp, err := http.Post(url, "text/plain", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(url + ": " + resp.Status + ": " + string(bytes.TrimSpace(b)))
	}
	return b, err
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func mib(b float64) string { return fmt.Sprintf("%.0f MiB", b/(1<<20)) }

func writeTable(w io.Writer, r *results) {
	fmt.Fprintf(w, "flash-sale fixture, %d sessions (live heap %s), %d clients, %d requests per run, %d rounds; model from one GOGC=100 bundle (%d cycles, %.3f ns/B + %s per cycle, runway %.2f; alloc %s/s)\n\n",
		r.Config.Sessions, mib(float64(r.LiveHeap)), r.Config.Concurrency, r.Config.Requests, r.Config.Rounds,
		r.Model.Cycles, r.Model.CPUPerByte*1e9, r.Model.FixedCPUPerCycle.Round(time.Microsecond), r.Model.RunwayRatio, mib(r.AllocRate))
	fmt.Fprintln(w, "| setting | GC CPU predicted | GC CPU measured (min–max) | error | whole-run GC CPU (min–max) | peak heap predicted | peak heap measured (min–max) | error |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, rw := range r.Rows {
		name := rw.Setting
		if rw.Recommended {
			name += " (recommended)"
		}
		fmt.Fprintf(w, "| %s | %.2f%% | %.2f%% (%.2f–%.2f) | %+.1f%% | %.2f%% (%.2f–%.2f) | %s | %s (%s–%s) | %+.1f%% |\n", name,
			rw.PredShare*100, rw.Share*100, rw.ShareMin*100, rw.ShareMax*100, rw.ShareErr*100, rw.ShareWhole*100, rw.ShareWholeMin*100, rw.ShareWholeMax*100,
			mib(float64(rw.PredPeak)), mib(rw.Peak), mib(rw.PeakMin), mib(rw.PeakMax), rw.PeakErr*100)
	}
	fmt.Fprintf(w, "\nlargest error: GC CPU share %.1f%%, peak heap %.1f%%\n", r.MaxShareErr*100, r.MaxPeakErr*100)
	fmt.Fprintf(w, "recommendation (gctune/gogc-too-low) %s\n%s\n", r.RecPromise, r.RecMeasured)
}
