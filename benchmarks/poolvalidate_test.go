package benchmarks

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/fixtures/flashsale"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/report"
)

// The pool-advice validation runs the flash-sale fixture in its own process
// (cmd/poolserve, with gdiag's collector mounted), drives load at it from
// this process, captures real bundles over HTTP and analyses them with
// package analyzer, exactly as `gdiag analyze` would.

const fixturePkg = "github.com/gdiag/gdiag/fixtures/flashsale."

// The fixture's alloc-churn sites and its cache-growth site.
const (
	siteItems    = fixturePkg + "newItemsBuffer"
	siteReceipts = fixturePkg + "newReceiptScratch"
	siteCache    = fixturePkg + "(*Service).cacheItemsResponse"
)

var poolserve struct {
	once sync.Once
	path string
	err  error
}

// buildPoolserve builds cmd/poolserve once per test process.
func buildPoolserve(tb testing.TB) string {
	tb.Helper()
	poolserve.once.Do(func() {
		dir, err := os.MkdirTemp("", "poolserve")
		if err != nil {
			poolserve.err = err
			return
		}
		poolserve.path = filepath.Join(dir, "poolserve")
		if out, err := exec.Command(goTool(), "build", "-o", poolserve.path, "./cmd/poolserve").CombinedOutput(); err != nil {
			poolserve.err = fmt.Errorf("go build ./cmd/poolserve: %w\n%s", err, out)
		}
	})
	if poolserve.err != nil {
		tb.Fatal(poolserve.err)
	}
	return poolserve.path
}

// fixtureProc is a running cmd/poolserve.
type fixtureProc struct {
	base   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	client *http.Client
	dir    string
}

// startFixture starts cmd/poolserve with the given faults and extra flags;
// it is stopped when the test ends.
func startFixture(tb testing.TB, faults string, flags ...string) *fixtureProc {
	tb.Helper()
	cmd := exec.Command(buildPoolserve(tb), append([]string{"-faults", faults}, flags...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	f := &fixtureProc{cmd: cmd, stdin: stdin, client: &http.Client{Timeout: 30 * time.Second}, dir: tb.TempDir()}
	tb.Cleanup(f.stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("poolserve did not start: %v", err)
	}
	f.base = strings.TrimSpace(strings.TrimPrefix(line, "poolserve: "))
	if !strings.HasPrefix(f.base, "http://127.0.0.1:") {
		tb.Fatalf("poolserve printed %q", line)
	}
	return f
}

func (f *fixtureProc) stop() {
	f.client.CloseIdleConnections()
	_ = f.stdin.Close() // poolserve exits when its standard input closes
	done := make(chan struct{})
	go func() { _ = f.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = f.cmd.Process.Kill()
		<-done
	}
}

func (f *fixtureProc) get(tb testing.TB, path string) []byte {
	tb.Helper()
	resp, err := f.client.Get(f.base + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %v: %.200s", path, resp.StatusCode, err, b)
	}
	return b
}

// setPool switches the fixture's alloc-churn sites to sync.Pool.
func (f *fixtureProc) setPool(tb testing.TB, on bool) {
	tb.Helper()
	resp, err := f.client.Post(f.base+"/admin/faults", "application/json", strings.NewReader(fmt.Sprintf(`{"use_pool":%v}`, on)))
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("POST /admin/faults use_pool=%v: %s", on, resp.Status)
	}
}

// bundle captures a bundle (heap, allocs and the metrics history, no CPU
// window) into a file and returns its path.
func (f *fixtureProc) bundle(tb testing.TB, name string) string {
	tb.Helper()
	b := f.get(tb, "/debug/gdiag/bundle?seconds=0&include=heap,allocs,metrics")
	path := filepath.Join(f.dir, name+".gdiag")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// exactBundle is bundle after a forced GC in the fixture. The heap profile
// counts an allocation only once a GC cycle has completed after it, so the
// last allocations before a capture would otherwise land in the next
// snapshot's window; tests that switch the fixture's mode between snapshots
// need exact windows.
func (f *fixtureProc) exactBundle(tb testing.TB, name string) string {
	tb.Helper()
	f.get(tb, "/debug/gc")
	return f.bundle(tb, name)
}

// counters are cmd/poolserve's /debug/counters (runtime/metrics of the
// fixture process).
type counters struct {
	AllocBytes uint64  `json:"alloc_bytes"`
	GCCycles   uint64  `json:"gc_cycles"`
	CPUTotal   float64 `json:"cpu_total_s"`
	CPUIdle    float64 `json:"cpu_idle_s"`
	CPUGC      float64 `json:"cpu_gc_total_s"`
}

func (f *fixtureProc) counters(tb testing.TB) counters {
	tb.Helper()
	var c counters
	if err := json.Unmarshal(f.get(tb, "/debug/counters"), &c); err != nil {
		tb.Fatal(err)
	}
	return c
}

// load sends n requests from 8 clients with the fixture's default mix
// (30% GET /items, 40% reserve, 20% order, 10% pay).
func (f *fixtureProc) load(tb testing.TB, n int) flashsale.Result {
	tb.Helper()
	res, err := flashsale.Load(context.Background(), f.base, flashsale.Shape{Steady: 5 * time.Minute, Concurrency: 8, MaxRequests: n})
	if err != nil {
		tb.Fatal(err)
	}
	// 403 is the risk service refusing an order, a normal answer.
	if failed := res.ErrorCount() - res.Errors["status-403"]; failed > res.Requests/100 {
		tb.Fatalf("load: %d of %d requests failed: %v", failed, res.Requests, res.Errors)
	}
	return res
}

// analyze loads bundles and analyses them together, as `gdiag analyze`.
func analyze(tb testing.TB, paths ...string) *report.Report {
	tb.Helper()
	var ins []*analyzer.Input
	for _, p := range paths {
		in, err := analyzer.Load(p, analyzer.LoadOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		ins = append(ins, in)
	}
	return analyzer.Analyze(ins, analyzer.Options{})
}

// candidates returns the pool/candidate findings of r in rank order.
func candidates(r *report.Report) []report.Finding {
	var out []report.Finding
	for _, f := range r.Findings {
		if f.Check == heap.CheckCandidate {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b report.Finding) int { return int(a.Metrics["rank"] - b.Metrics["rank"]) })
	return out
}

// findingsAt returns the checks reported for function fn.
func findingsAt(r *report.Report, fn string) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Function == fn {
			out = append(out, f.Check)
		}
	}
	return out
}

func describeCandidates(cs []report.Finding) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n  #%.0f %s at %s: removes %.1f%% of allocated bytes, saves %.2f%% CPU", c.Metrics["rank"], c.Function, c.Location,
			100*c.Metrics["removed_share"], 100*c.Metrics["gc_cpu_share_saved"])
	}
	return b.String()
}

// TestPoolAdviceOnFixture is the proof that runs in CI: a real fixture
// process with the alloc-churn and cache-growth faults under a short load on
// loopback, two real bundles captured from it, and the analysis of one bundle
// (allocations since start) and of both (the window between them). In both
// the top pool candidate must be newItemsBuffer, the churn's main site; the
// cache-growth site, whose objects are retained, must never be a candidate
// and must get the retained-objects or in-use-growth finding instead. After
// switching the fixture to its pools, the churn sites must no longer be
// candidates.
func TestPoolAdviceOnFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the fixture in a child process; skipped in -short mode")
	}
	f := startFixture(t, "alloc-churn,cache-growth")
	f.load(t, 1500)
	first := f.bundle(t, "first")
	f.load(t, 3000)
	second := f.bundle(t, "second")

	for _, tt := range []struct {
		name    string
		bundles []string
		diff    bool
	}{
		{name: "one bundle", bundles: []string{second}},
		{name: "two bundles", bundles: []string{first, second}, diff: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := analyze(t, tt.bundles...)
			cs := candidates(r)
			t.Logf("candidates:%s", describeCandidates(cs))
			if len(cs) == 0 || cs[0].Function != siteItems {
				t.Fatalf("top candidate is not %s:%s", siteItems, describeCandidates(cs))
			}
			if !strings.Contains(cs[0].Location, "fixtures/flashsale/leak.go:") || !strings.Contains(cs[0].Suggestion, "newItemsBuffer") {
				t.Errorf("top candidate location %q, suggestion %q: want the line in leak.go and the function named", cs[0].Location, cs[0].Suggestion)
			}
			if cs[0].Metrics["gc_cpu_share_saved"] <= 0 {
				t.Errorf("top candidate not priced: metrics %v (the bundle has a metrics history)", cs[0].Metrics)
			}
			for _, c := range cs {
				if c.Function == siteCache {
					t.Errorf("the retained cache-growth site %s is a pool candidate (rank %.0f)", siteCache, c.Metrics["rank"])
				}
			}
			got := findingsAt(r, siteCache)
			if !slices.Contains(got, heap.CheckRetainedObjects) && !slices.Contains(got, heap.CheckInuseGrowth) {
				t.Errorf("findings at %s = %v, want %s or %s", siteCache, got, heap.CheckRetainedObjects, heap.CheckInuseGrowth)
			}
			var secs []string
			for _, s := range r.Sections {
				secs = append(secs, s.ID)
			}
			if !slices.Contains(secs, heap.SectionHeapSites) || !slices.Contains(secs, heap.SectionPoolCandidates) {
				t.Errorf("sections %v, want %s and %s", secs, heap.SectionHeapSites, heap.SectionPoolCandidates)
			}
		})
	}

	t.Run("pooled", func(t *testing.T) {
		start := f.exactBundle(t, "pooled-start")
		f.setPool(t, true)
		f.load(t, 3000)
		end := f.exactBundle(t, "pooled-end")
		r := analyze(t, start, end)
		cs := candidates(r)
		t.Logf("candidates with UsePool:%s", describeCandidates(cs))
		for _, c := range cs {
			if c.Function == siteItems || c.Function == siteReceipts {
				t.Errorf("%s is still a pool candidate after switching to the pools: %q", c.Function, c.Evidence)
			}
		}
	})
}
