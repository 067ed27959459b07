package collector

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// The abusive-client suite of issue 14. Bounds are real deadlines derived
// from the collector's options; nothing paces the test with sleeps.

// bigHeap makes the heap step write n incompressible bytes, so that a
// bundle overflows the socket buffers of a client that does not read.
func bigHeap(c *Collector, n int) {
	data := make([]byte, n)
	rand.Read(data)
	c.stepHook = func(p Part) stepFunc {
		if p == PartHeap {
			return func(_ context.Context, w io.Writer) error { _, err := w.Write(data); return err }
		}
		return nil
	}
}

// opaqueWriter hides the ResponseWriter's deadline and flush support, as
// some middleware does.
type opaqueWriter struct{ w http.ResponseWriter }

func (o opaqueWriter) Header() http.Header         { return o.w.Header() }
func (o opaqueWriter) Write(p []byte) (int, error) { return o.w.Write(p) }
func (o opaqueWriter) WriteHeader(code int)        { o.w.WriteHeader(code) }

// stalledClient sends a bundle request over a raw connection, reads the
// response headers and then never reads again.
func stalledClient(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// A tiny receive buffer makes the server's writes block sooner.
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	br := bufio.NewReaderSize(conn, 16)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		conn.Close()
		t.Fatalf("stalled client: status %q, %v", line, err)
	}
	return conn
}

// newSmallBufServer is httptest.NewServer with 4 KiB socket send buffers,
// so that a client that stops reading blocks the handler's writes at once.
func newSmallBufServer(h http.Handler) *httptest.Server {
	ts := httptest.NewUnstartedServer(h)
	ts.Listener = smallBufListener{ts.Listener}
	ts.Start()
	return ts
}

type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// waitFree waits, within bound, until a bundle request would not be
// refused as busy.
func waitFree(t *testing.T, c *Collector, bound time.Duration) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for len(c.slot) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("capture slot still held after %v", bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSlowReaderDoesNotHoldTheSlot(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opaque bool
	}{{"deadline support", false}, {"middleware hides deadlines", true}} {
		t.Run(tc.name, func(t *testing.T) {
			const maxCapture = 3 * time.Second
			c, err := New(WithMaxCaptureDuration(maxCapture))
			if err != nil {
				t.Fatal(err)
			}
			bigHeap(c, 1<<20)
			var h http.Handler = c.Handler()
			if tc.opaque {
				inner := h
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inner.ServeHTTP(opaqueWriter{w}, r) })
			}
			ts := newSmallBufServer(h)
			defer ts.Close()
			addr := strings.TrimPrefix(ts.URL, "http://")

			start := time.Now()
			conn := stalledClient(t, addr, "/bundle?seconds=0&include=heap")
			// ts.Close waits for the stalled handler: hang up first.
			defer conn.Close()
			// The slot must be free for the next capture within
			// WithMaxCaptureDuration + 1 s, whatever the stalled client does.
			for {
				resp, err := http.Get(ts.URL + "/bundle?seconds=0&include=goroutines")
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
				if resp.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if time.Since(start) > maxCapture+time.Second {
					t.Fatalf("slot still held %v after the stalled request", time.Since(start))
				}
			}
			if c.sends.len() == 0 {
				t.Fatal("the stalled client's send already ended: the test did not stall it")
			}
			// The stalled send is abandoned by its deadline (capture end +
			// WithMaxCaptureDuration): its bundle is no longer pinned.
			deadline := start.Add(2*maxCapture + time.Second)
			for c.sends.len() > 0 {
				if time.Now().After(deadline) {
					t.Fatalf("a stalled send still holds its bundle %v after the request", time.Since(start))
				}
				time.Sleep(10 * time.Millisecond)
			}
			// Close returns within CloseTimeout whatever the client does.
			t0 := time.Now()
			c.Close()
			if d := time.Since(t0); d > CloseTimeout+500*time.Millisecond {
				t.Fatalf("Close took %v, bound %v", d, CloseTimeout)
			}
		})
	}
}

// TestPendingSendsBounded: stalled clients pin at most maxPendingSends
// bundles; beyond, requests get 429 with a Retry-After.
func TestPendingSendsBounded(t *testing.T) {
	c, err := New(WithMaxCaptureDuration(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bigHeap(c, 2<<20)
	ts := newSmallBufServer(c.Handler())
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")
	for range maxPendingSends {
		waitFree(t, c, 6*time.Second)
		defer stalledClient(t, addr, "/bundle?seconds=0&include=heap").Close()
	}
	waitFree(t, c, 6*time.Second)
	resp, err := http.Get(ts.URL + "/bundle?seconds=0&include=goroutines")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d with %d stalled sends, want 429", resp.StatusCode, maxPendingSends)
	}
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 11 {
		t.Fatalf("Retry-After %q: want the seconds until the earliest send deadline (≤ 2 × 5 s + 1)", resp.Header.Get("Retry-After"))
	}
}

// TestRetryAfterFromRealState checks Retry-After against an injected clock:
// the expected end while it is ahead, then the hard deadline (it said 1 s
// for the whole overrun before).
func TestRetryAfterFromRealState(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t0 := time.Unix(1_700_000_000, 0)
	c.busyUntil.Store(t0.Add(6 * time.Second).UnixNano())
	c.busyDeadline.Store(t0.Add(120 * time.Second).UnixNano())
	for _, tc := range []struct {
		at   time.Duration
		want string
	}{{0, "6"}, {5500 * time.Millisecond, "1"}, {10 * time.Second, "110"}, {119 * time.Second, "1"}, {200 * time.Second, "1"}} {
		if got := c.retryAfter(t0.Add(tc.at)); got != tc.want {
			t.Errorf("at +%v: Retry-After %s, want %s", tc.at, got, tc.want)
		}
	}
}

// TestFullDumpPolicy: full=1 is refused for token and remote clients, and a
// loopback client looping it gets one forced dump per interval.
func TestFullDumpPolicy(t *testing.T) {
	c, err := New(WithToken("s3cret"), WithStackBudget(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ts := httptest.NewServer(c.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/bundle?seconds=0&include=goroutines&full=1", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("full=1 with a token: status %d, want 403", resp.StatusCode)
	}

	// The library call (a loopback operator) loops full=1: one forced dump
	// per WithFullDumpInterval, the others get the guard's decision.
	c2, err := New(WithStackBudget(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	forced := 0
	for i := range 5 {
		m, err := c2.Capture(context.Background(), io.Discard, CaptureRequest{Include: []Part{PartGoroutines}, Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if m.StackDump.Taken {
			forced++
		} else if !strings.Contains(m.StackDump.Reason, "full=1 ignored") {
			t.Fatalf("capture %d: reason %q", i, m.StackDump.Reason)
		}
	}
	if forced != 1 {
		t.Fatalf("%d forced dumps in 5 looping captures, want 1 per interval", forced)
	}
}

// TestRedaction: WithRedaction keeps the command line and the environment
// settings text out of the bundle.
func TestRedaction(t *testing.T) {
	t.Setenv("GOGC", "150")
	c, err := New(WithRedaction())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, CaptureRequest{Include: []Part{PartHeap}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Args) != 0 || m.Settings.GOGC.Env != "" || m.Settings.GODEBUG != "" || strings.Contains(m.BuildInfo, "-ldflags") {
		t.Fatalf("redacted manifest still has args %q, GOGC env %q", m.Args, m.Settings.GOGC.Env)
	}
	if bytes.Contains(buf.Bytes(), []byte(os.Args[0])) {
		t.Fatal("the command line is in the bundle bytes")
	}
}

// TestHistoryBounded: parallel readers of a long, fine-grained history get
// at most MaxMetricsResponseSamples each, one encode at a time; a reader
// that waits too long gets 503 instead of piling up.
func TestHistoryBounded(t *testing.T) {
	c, err := New(WithMetricsInterval(time.Millisecond), WithHistory(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Now()
	for i := range 20000 {
		c.ring.push(bundle.MetricsSample{Time: now.Add(time.Duration(i-20000) * time.Millisecond)})
	}
	ts := newSmallBufServer(c.Handler())
	defer ts.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	var mu sync.Mutex
	ok200 := 0
	for range 10 {
		wg.Go(func() {
			resp, err := http.Get(ts.URL + "/history")
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
				return // waited its turn too long: refused, not piled up
			}
			mu.Lock()
			ok200++
			mu.Unlock()
			var h bundle.MetricsHistory
			if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
				errs <- err
				return
			}
			if len(h.Samples) > MaxMetricsResponseSamples || resp.Header.Get("X-Gdiag-Samples-Dropped") == "" {
				errs <- fmt.Errorf("%d samples, dropped header %q", len(h.Samples), resp.Header.Get("X-Gdiag-Samples-Dropped"))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ok200 == 0 {
		t.Fatal("no reader got the history")
	}

	// A stalled reader holds the one encode; the next waits historyWait
	// and gets 503 rather than a second encode.
	c.historyWait = 200 * time.Millisecond
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	fmt.Fprintf(conn, "GET /history HTTP/1.1\r\nHost: x\r\n\r\n")
	bufio.NewReaderSize(conn, 16).ReadString('\n')
	resp, err := http.Get(ts.URL + "/history")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second reader during a stalled one: %d, want 503", resp.StatusCode)
	}
}

// TestProxyInFront: behind a reverse proxy on the same host every client
// looks like loopback (the README's safety model says so); with a token the
// proxied client needs it, and full=1 stays refused.
func TestProxyInFront(t *testing.T) {
	for _, token := range []string{"", "s3cret"} {
		var opts []Option
		if token != "" {
			opts = append(opts, WithToken(token))
		}
		c, err := New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		backend := httptest.NewServer(c.Handler())
		defer backend.Close()
		u, _ := url.Parse(backend.URL)
		proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(u))
		defer proxy.Close()
		resp, err := http.Get(proxy.URL + "/bundle?seconds=0&include=heap")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK // loopback-only trusts the proxy
		if token != "" {
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want {
			t.Fatalf("token %q: proxied request without token: %d, want %d", token, resp.StatusCode, want)
		}
	}
}

// TestWatcherOwnFilesOnly: the watcher deletes only gdiag-watch-* bundles,
// oldest capture time first, counts its temporary files in MaxBytes and
// removes those of dead processes at start.
func TestWatcherOwnFilesOnly(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("gdiag-web1-20261205T100000Z.gdiag", 100)           // a gdiag capture bundle
	write("gdiag-watch-20261205T090000.000Z-heap.gdiag", 100) // oldest
	write("gdiag-watch-20261205T110000.000Z-heap.gdiag", 100) // newest
	write("gdiag-watch-20261205T100000.000Z-goroutines.gdiag", 100)
	write(".tmp-gdiag-watch-999999999-1", 1<<20) // a dead process's temp file
	write("notes.txt", 10)
	c, err := New(WithWatch(WatchOptions{Dir: dir, Goroutines: 1 << 30, MaxBundles: 2, MaxBytes: MinWatchMaxBytes}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.watch.removeTemps()
	if err := c.watch.prune(); err != nil {
		t.Fatal(err)
	}
	var left []string
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	want := []string{"gdiag-watch-20261205T100000.000Z-goroutines.gdiag", "gdiag-watch-20261205T110000.000Z-heap.gdiag",
		"gdiag-web1-20261205T100000Z.gdiag", "notes.txt"}
	if strings.Join(left, ",") != strings.Join(want, ",") {
		t.Fatalf("left %v, want %v", left, want)
	}

	// Temporary files count against MaxBytes: a live one (this process)
	// of 5 MiB forces the older bundle out.
	write(fmt.Sprintf(".tmp-gdiag-watch-%d-x", os.Getpid()), 5<<20)
	if err := c.watch.prune(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gdiag-watch-20261205T100000.000Z-goroutines.gdiag")); !os.IsNotExist(err) {
		t.Fatalf("temp bytes not counted in MaxBytes: older bundle kept (%v)", err)
	}
}

func TestWatcherMaxBytesValidated(t *testing.T) {
	_, err := New(WithWatch(WatchOptions{Dir: t.TempDir(), Goroutines: 10, MaxBytes: 100 << 10}))
	if err == nil || !strings.Contains(err.Error(), "a useful bundle needs at least") {
		t.Fatalf("New with MaxBytes 100 KiB: %v", err)
	}
}

// TestCPUProfileThatDoesNotFitFails: a CPU profile whose bytes the budget
// refuses is a failed entry, not a 0-byte success.
func TestCPUProfileThatDoesNotFitFails(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var sp spoolWriter
	m, _ := c.capture(context.Background(), &sp, CaptureRequest{Seconds: 0.05, Include: []Part{PartCPU}}, manifestReserve+16, nil)
	for _, e := range m.Entries {
		if e.Kind == bundle.KindCPU {
			if e.Error == "" {
				t.Fatalf("cpu entry %+v: want it recorded as failed", e)
			}
			return
		}
	}
	t.Fatalf("no cpu entry in %+v", m.Entries)
}
