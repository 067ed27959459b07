package collector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"go.uber.org/goleak"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
)

func TestMain(m *testing.M) {
	if os.Getenv(leakChildEnv) != "" {
		os.Exit(leakChild())
	}
	// In GOEXPERIMENT=goroutineleakprofile builds the fixture's leak-timeout
	// senders that the runtime proved leaked cannot be woken any more (see
	// flashsale.Service.Heal); they are the fixture's, not the collector's.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/gdiag/gdiag/fixtures/flashsale.(*Service).sendRiskResult"))
}

// countingPool is a tiny instrumented pool, as package pool provides. It
// pools pointers, so Put does not allocate.
type countingPool struct {
	p          sync.Pool
	gets, news atomic.Uint64
}

func (c *countingPool) Get() *[]byte {
	c.gets.Add(1)
	if b, ok := c.p.Get().(*[]byte); ok {
		return b
	}
	c.news.Add(1)
	b := make([]byte, 64)
	return &b
}

func (c *countingPool) Stats() bundle.PoolStats {
	return bundle.PoolStats{Name: "buffers", Gets: c.gets.Load(), News: c.news.Load()}
}

// newCollector makes a collector closed at the end of the test.
func newCollector(t *testing.T, opts ...collector.Option) *collector.Collector {
	t.Helper()
	c, err := collector.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// serve mounts the handler at /debug/gdiag/ on a real loopback server.
func serve(t *testing.T, c *collector.Collector) (*httptest.Server, *http.Client) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/debug/gdiag/", c.Handler())
	ts := httptest.NewServer(mux)
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ts.Close()
	})
	return ts, &http.Client{Transport: tr}
}

func get(t *testing.T, client *http.Client, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

func openBundle(t *testing.T, data []byte) *bundle.Reader {
	t.Helper()
	b, err := bundle.Read(bytes.NewReader(data), int64(len(data)), "http bundle")
	if err != nil {
		t.Fatalf("bundle.Read: %v", err)
	}
	if err := b.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return b
}

func entry(m *bundle.Manifest, kind bundle.Kind) (bundle.Entry, bool) {
	for _, e := range m.Entries {
		if e.Kind == kind {
			return e, true
		}
	}
	return bundle.Entry{}, false
}

// TestBundleOverHTTP downloads a bundle from a real loopback server, opens
// every profile in it with github.com/google/pprof/profile and checks the
// manifest against this process.
func TestBundleOverHTTP(t *testing.T) {
	pool := &countingPool{}
	for range 10 {
		pool.p.Put(pool.Get())
	}
	clk := collector.NewFakeClock(time.Now())
	c := newCollector(t,
		collector.WithClock(clk),
		collector.WithMetricsInterval(20*time.Millisecond),
		collector.WithFlightRecorder(time.Second, 2<<20),
		collector.WithPools(pool))
	ts, client := serve(t, c)
	if err := clk.Advance(100 * time.Millisecond); err != nil { // five more metrics samples
		t.Fatal(err)
	}

	// Work for the window to see.
	stop := make(chan struct{})
	var spin sync.WaitGroup
	spin.Go(func() {
		for x := 0; ; x++ {
			select {
			case <-stop:
				return
			default:
				_ = strconv.Itoa(x)
			}
		}
	})
	resp, body := get(t, client, ts.URL+"/debug/gdiag/bundle?seconds=0.4")
	close(stop)
	spin.Wait()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/zip" {
		t.Errorf("Content-Type %q", ct)
	}
	host, _ := os.Hostname()
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "gdiag-") || !strings.Contains(cd, ".gdiag") ||
		(host != "" && !strings.Contains(cd, strings.Split(host, ".")[0])) {
		t.Errorf("Content-Disposition %q: want gdiag-<host>-<time>.gdiag", cd)
	}
	b := openBundle(t, body)
	m := &b.Manifest

	// The manifest describes this process.
	if m.PID != os.Getpid() || m.GoVersion != runtime.Version() || m.GOOS != runtime.GOOS || m.NumCPU != runtime.NumCPU() || m.Host != host {
		t.Errorf("manifest identity: pid %d go %s os %s cpus %d host %q", m.PID, m.GoVersion, m.GOOS, m.NumCPU, m.Host)
	}
	if n := runtime.NumGoroutine(); m.Goroutines < 3 || m.Goroutines > n+50 {
		t.Errorf("manifest goroutines %d, process has %d", m.Goroutines, n)
	}
	if gogc := debug.SetGCPercent(100); m.Settings.GOGC.Value != int64(gogc) {
		t.Errorf("GOGC %+v, process has %d", m.Settings.GOGC, gogc)
	}
	if m.Settings.GOMAXPROCS.Value != int64(runtime.GOMAXPROCS(0)) || m.Settings.GOMAXPROCS.Source == "" {
		t.Errorf("GOMAXPROCS %+v, process has %d", m.Settings.GOMAXPROCS, runtime.GOMAXPROCS(0))
	}
	if m.Process == nil || m.Process.RSSBytes == 0 || m.Process.Threads == 0 {
		t.Errorf("process stats %+v", m.Process)
	}
	if len(m.Pools) != 1 || m.Pools[0].Name != "buffers" || m.Pools[0].Gets != 10 {
		t.Errorf("pools %+v, want buffers with 10 gets", m.Pools)
	}
	if m.BuildInfo == "" {
		t.Error("no build info")
	}
	if _, err := os.Stat("/proc/self/cgroup"); err == nil && m.Cgroup == nil {
		t.Error("no cgroup on a host with /proc/self/cgroup")
	}
	if m.StackDump == nil || !m.StackDump.Taken || m.StackDump.MeasuredPause <= 0 {
		t.Errorf("stack dump %+v: want taken within the default budget", m.StackDump)
	}

	// Every requested entry is there and every profile parses.
	for _, kind := range []bundle.Kind{bundle.KindGoroutineProfile, bundle.KindGoroutineText, bundle.KindHeap, bundle.KindAllocs,
		bundle.KindBlock, bundle.KindMutex, bundle.KindThreadcreate, bundle.KindCPU, bundle.KindFgprof, bundle.KindTrace, bundle.KindMetrics} {
		e, ok := entry(m, kind)
		if !ok || e.Error != "" || e.Bytes == 0 {
			t.Errorf("entry %s: %+v (present %v)", kind, e, ok)
		}
	}
	var labelled bool
	for _, e := range m.Entries {
		if !strings.HasSuffix(e.Name, ".pb.gz") || e.Error != "" {
			continue
		}
		data, err := b.ReadFile(e.Name, 0)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		p, err := profile.ParseData(data)
		if err != nil {
			t.Errorf("%s: profile.Parse: %v", e.Name, err)
			continue
		}
		if err := p.CheckValid(); err != nil {
			t.Errorf("%s: invalid profile: %v", e.Name, err)
		}
		if e.Kind == bundle.KindGoroutineProfile {
			for _, s := range p.Sample {
				if slicesContains(s.Label[collector.LabelKey], collector.LabelValue) {
					labelled = true
				}
			}
		}
		if (e.Kind == bundle.KindCPU || e.Kind == bundle.KindFgprof) && (e.Seconds != 0.4 || len(p.Sample) == 0) {
			t.Errorf("%s: seconds %v, %d samples", e.Name, e.Seconds, len(p.Sample))
		}
	}
	if !labelled {
		t.Error("goroutine profile: no goroutine labelled gdiag=collector")
	}
	text, err := b.ReadFile("goroutines.txt", 0)
	if err != nil || !bytes.HasPrefix(text, []byte("goroutine ")) {
		t.Errorf("goroutines.txt: %v, starts %q", err, text[:min(len(text), 30)])
	}
	trace, err := b.ReadFile("trace.out", 0)
	if err != nil || !bytes.HasPrefix(trace, []byte("go 1.")) {
		t.Errorf("trace.out: %v, header %q", err, trace[:min(len(trace), 16)])
	}
	h, err := b.Metrics()
	if err != nil || len(h.Samples) < 3 || h.Interval != 20*time.Millisecond {
		t.Fatalf("metrics: %v, %d samples", err, len(h.Samples))
	}
	if last := h.Samples[len(h.Samples)-1]; last.Goroutines == 0 || last.HeapGoalBytes == 0 {
		t.Errorf("last sample %+v", last)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestMountWithStripPrefix serves the index and the metrics through
// http.StripPrefix and directly.
func TestMountWithStripPrefix(t *testing.T) {
	c := newCollector(t)
	mux := http.NewServeMux()
	mux.Handle("/strip/", http.StripPrefix("/strip", c.Handler()))
	mux.Handle("/debug/gdiag/", c.Handler())
	ts := httptest.NewServer(mux)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	tests := []struct {
		name string
		give string
		want int
		body string
	}{
		{"index stripped", "/strip/", 200, "GOMAXPROCS"},
		{"index", "/debug/gdiag/", 200, "goroutines"},
		{"history stripped", "/strip/history", 200, `"samples"`},
		{"history", "/debug/gdiag/history?seconds=60", 200, `"interval_ns":1000000000`},
		{"metrics is not JSON", "/debug/gdiag/metrics", 404, "moved to history"},
		{"no leak watch", "/debug/gdiag/leaks", 404, "WithLeakWatch"},
		{"unknown", "/debug/gdiag/nope", 404, ""},
		{"bad seconds", "/debug/gdiag/bundle?seconds=abc", 400, "seconds"},
		{"too many seconds", "/debug/gdiag/bundle?seconds=1000", 400, "limit"},
		{"unknown part", "/debug/gdiag/bundle?include=heap,bogus", 400, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, client, ts.URL+tt.give)
			if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.body) {
				t.Errorf("GET %s = %d %q; want %d containing %q", tt.give, resp.StatusCode, body[:min(len(body), 200)], tt.want, tt.body)
			}
		})
	}
	var h bundle.MetricsHistory
	_, body := get(t, client, ts.URL+"/debug/gdiag/history")
	if err := json.Unmarshal(body, &h); err != nil || len(h.Samples) == 0 {
		t.Errorf("metrics JSON: %v, %d samples", err, len(h.Samples))
	}
}

// TestBusy429 starts a capture and checks that a second one is refused.
func TestBusy429(t *testing.T) {
	c := newCollector(t)
	ts, client := serve(t, c)
	// The heap entry is written first, so the response headers arrive
	// while the CPU window is still running.
	first, err := client.Get(ts.URL + "/debug/gdiag/bundle?seconds=1.5&include=heap,cpu")
	if err != nil {
		t.Fatal(err)
	}
	if first.StatusCode != http.StatusOK {
		t.Fatalf("first capture: status %d", first.StatusCode)
	}
	deadline := time.Now().Add(time.Second)
	var got *http.Response
	for time.Now().Before(deadline) {
		resp, body := get(t, client, ts.URL+"/debug/gdiag/bundle?seconds=0&include=heap")
		if resp.StatusCode == http.StatusTooManyRequests {
			got = resp
			break
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got == nil {
		t.Fatal("no 429 while a 1.5 s capture was running")
	}
	if ra, err := strconv.Atoi(got.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 3 {
		t.Errorf("Retry-After %q: want 1..3 seconds", got.Header.Get("Retry-After"))
	}
	body, err := io.ReadAll(first.Body)
	first.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := entry(&openBundle(t, body).Manifest, bundle.KindCPU); !ok || e.Error != "" {
		t.Errorf("first capture's cpu entry %+v", e)
	}
	// The slot is free again.
	if resp, _ := get(t, client, ts.URL+"/debug/gdiag/bundle?seconds=0&include=heap"); resp.StatusCode != http.StatusOK {
		t.Errorf("after the capture: status %d", resp.StatusCode)
	}
}

// TestAccess checks the loopback rule and the bearer token.
func TestAccess(t *testing.T) {
	plain := newCollector(t)
	remoteOK := newCollector(t, collector.WithAllowRemote())
	withToken := newCollector(t, collector.WithToken("s3cret"))
	tests := []struct {
		name   string
		c      *collector.Collector
		remote string
		auth   string
		want   int
	}{
		{"remote refused", plain, "203.0.113.7:4711", "", http.StatusForbidden},
		{"remote v6 refused", plain, "[2001:db8::1]:4711", "", http.StatusForbidden},
		{"loopback v4", plain, "127.0.0.1:4711", "", http.StatusOK},
		{"loopback v6", plain, "[::1]:4711", "", http.StatusOK},
		{"remote allowed by option", remoteOK, "203.0.113.7:4711", "", http.StatusOK},
		{"token missing", withToken, "203.0.113.7:4711", "", http.StatusUnauthorized},
		{"token wrong", withToken, "203.0.113.7:4711", "Bearer nope", http.StatusUnauthorized},
		{"token required on loopback too", withToken, "127.0.0.1:4711", "", http.StatusUnauthorized},
		{"token right", withToken, "203.0.113.7:4711", "Bearer s3cret", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/debug/gdiag/history", nil)
			r.RemoteAddr = tt.remote
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			tt.c.Handler().ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}

	// A real request with the token over loopback.
	ts, client := serve(t, withToken)
	resp, body := get(t, client, ts.URL+"/debug/gdiag/bundle?seconds=0&include=heap", "Authorization", "Bearer s3cret")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("with token: %d %s", resp.StatusCode, body)
	}
	if e, ok := entry(&openBundle(t, body).Manifest, bundle.KindHeap); !ok || e.Error != "" {
		t.Errorf("heap entry %+v", e)
	}
	if resp, _ := get(t, client, ts.URL+"/debug/gdiag/"); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("without token: %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestClientDisconnectCancels asks for a 30 s window and hangs up.
func TestClientDisconnectCancels(t *testing.T) {
	c := newCollector(t)
	ts, client := serve(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/debug/gdiag/bundle?seconds=30", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The 200 response says the capture is running: hang up in its window.
	hungUp := time.Now()
	cancel()
	resp.Body.Close()

	// The capture gives the slot back soon after the client left.
	for {
		var buf bytes.Buffer
		_, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{Include: []collector.Part{collector.PartHeap}})
		if err == nil {
			break
		}
		if !errors.Is(err, collector.ErrBusy) {
			t.Fatal(err)
		}
		if time.Since(hungUp) > 3*time.Second {
			t.Fatal("capture still running 3 s after the client disconnected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("slot free %v after the client hung up", time.Since(hungUp))
}

// TestCaptureTimeout bounds a capture by WithMaxCaptureDuration and keeps a
// valid bundle recording what was aborted.
func TestCaptureTimeout(t *testing.T) {
	c := newCollector(t, collector.WithMaxCaptureDuration(300*time.Millisecond))
	var buf bytes.Buffer
	t0 := time.Now()
	m, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{Seconds: 10})
	if took := time.Since(t0); took > 2*time.Second {
		t.Errorf("capture took %v, want about 300 ms", took)
	}
	if err == nil || !strings.Contains(err.Error(), "exceeded") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	b := openBundle(t, buf.Bytes())
	e, ok := entry(&b.Manifest, bundle.KindCPU)
	if !ok || !strings.Contains(e.Error, "aborted") {
		t.Errorf("cpu entry %+v: want aborted", e)
	}
	if m == nil || len(m.Entries) != len(b.Manifest.Entries) {
		t.Errorf("returned manifest %v entries, bundle has %d", m, len(b.Manifest.Entries))
	}
}

// TestStackGuard: a tiny budget skips the text dump and records why; full
// overrides it and measures the pause.
func TestStackGuard(t *testing.T) {
	c := newCollector(t, collector.WithStackBudget(time.Nanosecond))
	goroutinesOnly := []collector.Part{collector.PartGoroutines}
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{Include: goroutinesOnly})
	if err != nil {
		t.Fatal(err)
	}
	sd := m.StackDump
	if sd == nil || sd.Taken || !strings.Contains(sd.Reason, "exceeds budget") || sd.EstimatedPause <= sd.Budget || sd.Budget != time.Nanosecond {
		t.Errorf("guard %+v: want skipped over budget", sd)
	}
	if _, ok := entry(m, bundle.KindGoroutineText); ok {
		t.Error("goroutines.txt present although the guard skipped it")
	}
	if e, ok := entry(m, bundle.KindGoroutineProfile); !ok || e.Error != "" {
		t.Errorf("goroutine profile must always be taken: %+v", e)
	}

	ts, client := serve(t, c)
	resp, body := get(t, client, ts.URL+"/debug/gdiag/bundle?include=goroutines&full=1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	b := openBundle(t, body)
	sd = b.Manifest.StackDump
	if sd == nil || !sd.Taken || sd.MeasuredPause <= 0 || sd.Truncated || !strings.Contains(sd.Reason, "full=1") {
		t.Errorf("full=1 guard %+v", sd)
	}
	text, err := b.ReadFile("goroutines.txt", 0)
	if err != nil || bytes.Count(text, []byte("\ngoroutine "))+1 < m.Goroutines/2 {
		t.Errorf("goroutines.txt: %v, %d bytes", err, len(text))
	}
	t.Logf("measured pause %v for %d goroutines", sd.MeasuredPause, b.Manifest.Goroutines)
}

// TestCPUProfileInUse: another CPU profile running is an entry error, not a
// failed bundle.
func TestCPUProfileInUse(t *testing.T) {
	c := newCollector(t)
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Skipf("cannot start a CPU profile: %v", err)
	}
	defer pprof.StopCPUProfile()
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{Seconds: 0.05,
		Include: []collector.Part{collector.PartCPU, collector.PartHeap}})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := entry(m, bundle.KindCPU); !strings.Contains(e.Error, "cpu profile") {
		t.Errorf("cpu entry %+v: want the already-running error", e)
	}
	if e, _ := entry(m, bundle.KindHeap); e.Error != "" || e.Bytes == 0 {
		t.Errorf("heap entry %+v", e)
	}
}

// TestUnavailableParts: explicit parts that are not available are recorded.
func TestUnavailableParts(t *testing.T) {
	c := newCollector(t)
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{
		Include: []collector.Part{collector.PartTrace, collector.PartGoroutineLeak, collector.PartFgprof}})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := entry(m, bundle.KindTrace); !strings.Contains(e.Error, "WithFlightRecorder") {
		t.Errorf("trace entry %+v", e)
	}
	if e, _ := entry(m, bundle.KindFgprof); !strings.Contains(e.Error, "seconds > 0") {
		t.Errorf("fgprof entry %+v", e)
	}
	e, ok := entry(m, bundle.KindGoroutineLeak)
	if pprof.Lookup("goroutineleak") == nil {
		if !strings.Contains(e.Error, "GOEXPERIMENT=goroutineleakprofile") || !strings.Contains(e.Error, runtime.Version()) {
			t.Errorf("goroutineleak entry %+v", e)
		}
	} else if !ok || e.Error != "" {
		t.Errorf("goroutineleak entry %+v in a build that has it", e)
	}
}

// TestFgprofBudget skips the wall-clock profile when goroutines × 1 µs ×
// 99 Hz exceeds the budget.
func TestFgprofBudget(t *testing.T) {
	c := newCollector(t, collector.WithFgprofBudget(0.0001)) // about one goroutine
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{Seconds: 0.05, Include: []collector.Part{collector.PartFgprof}})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := entry(m, bundle.KindFgprof); !strings.Contains(e.Error, "exceeds the budget") {
		t.Errorf("fgprof entry %+v", e)
	}
}

func TestNewValidatesAllOptions(t *testing.T) {
	_, err := collector.New(
		collector.WithToken(""),
		collector.WithMetricsInterval(0),
		collector.WithMaxSeconds(-1),
		collector.WithWatch(collector.WatchOptions{}))
	if err == nil {
		t.Fatal("New accepted invalid options")
	}
	for _, want := range []string{"empty token", "metrics interval", "max seconds", "watch: empty Dir", "no threshold"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := collector.New(collector.WithHistory(24*time.Hour), collector.WithMetricsInterval(time.Millisecond)); err == nil {
		t.Error("New accepted an 86-million-sample ring")
	}
}

// TestCloseLeavesNothing runs everything the collector starts and checks
// with goleak that Close stops it all.
func TestCloseLeavesNothing(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	c, err := collector.New(
		collector.WithMetricsInterval(10*time.Millisecond),
		collector.WithFlightRecorder(0, 0),
		collector.WithWatch(collector.WatchOptions{Dir: t.TempDir(), Goroutines: 1 << 30}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{Seconds: 0.1}); err != nil {
		t.Fatal(err)
	}
	// Close while a capture is in its window.
	done := make(chan error, 1)
	go func() {
		_, err := c.Capture(context.Background(), io.Discard, collector.CaptureRequest{Seconds: 20, Include: []collector.Part{collector.PartCPU}})
		done <- err
	}()
	// Wait (bounded) until that capture holds the slot.
	for deadline := time.Now().Add(time.Minute); !c.Capturing(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the 20 s capture did not start within a minute")
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("capture survived Close")
	}
	if _, err := c.Capture(context.Background(), io.Discard, collector.CaptureRequest{}); !errors.Is(err, collector.ErrClosed) {
		t.Errorf("capture after Close: %v, want ErrClosed", err)
	}
	goleak.VerifyNone(t, ignore)
}
