package collector_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/fixtures/flashsale"
)

// TestBundleFromFixture mounts the collector in the flash-sale service with
// its leak faults on, drives load through a real loopback server, captures a
// bundle over HTTP while the load runs, and checks the bundle: every
// profile opens with github.com/google/pprof/profile, the manifest matches
// this process, and the leaked goroutines are in the stacks.
func TestBundleFromFixture(t *testing.T) {
	clk := collector.NewFakeClock(time.Now())
	c := newCollector(t, collector.WithClock(clk), collector.WithMetricsInterval(50*time.Millisecond))
	svc, err := flashsale.New(flashsale.Config{
		Faults:        flashsale.Faults{LeakTimeout: true, TickerLeak: true, ContextLeak: true, AllocChurn: true},
		RiskSlowEvery: 2,
		Mount:         map[string]http.Handler{"/debug/gdiag/": c.Handler()},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		ts.Close()
		if err := svc.Close(); err != nil {
			t.Errorf("fixture Close: %v", err)
		}
	})
	// Load until every leak fault has leaked (bounded), capture, stop.
	ctx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	loaded := make(chan flashsale.Result, 1)
	go func() {
		res, err := flashsale.Load(ctx, ts.URL, flashsale.Shape{Steady: 30 * time.Second, Concurrency: 4})
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		loaded <- res
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		st := svc.Stats()
		if st.LeakedSenders > 0 && st.LeakedPollers > 0 && st.LeakedWatchers > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leak faults did not leak within 20 s of load: %+v", st)
		}
	}
	// Six metrics samples on the collector's clock, whatever the machine's
	// speed.
	if err := clk.Advance(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	// Pollers and watchers never exit (until Heal), so every one counted
	// now is alive when the capture counts goroutines; the count runs at
	// most one ahead of the go statement per load client and kind.
	before := svc.Stats()
	resp, body := get(t, client, ts.URL+"/debug/gdiag/bundle?seconds=0.3&full=1")
	stopLoad()
	res := <-loaded
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if res.Requests == 0 {
		t.Fatal("no load")
	}
	st := svc.Stats()
	b := openBundle(t, body)
	m := &b.Manifest

	if m.PID != os.Getpid() || m.GoVersion != runtime.Version() || m.NumCPU != runtime.NumCPU() {
		t.Errorf("manifest pid %d go %s cpus %d: not this process", m.PID, m.GoVersion, m.NumCPU)
	}
	if m.Settings.GOMAXPROCS.Value != int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("manifest GOMAXPROCS %d, process %d", m.Settings.GOMAXPROCS.Value, runtime.GOMAXPROCS(0))
	}
	if leaked := int(before.LeakedPollers+before.LeakedWatchers) - 2*4; m.Goroutines < leaked {
		t.Errorf("manifest goroutines %d, but the service had %d leaked pollers and watchers alive before the capture", m.Goroutines, leaked+2*4)
	}

	// Every profile opens and is valid.
	profiles := 0
	for _, e := range m.Entries {
		if !strings.HasSuffix(e.Name, ".pb.gz") {
			continue
		}
		if e.Error != "" {
			if e.Kind != bundle.KindGoroutineLeak && e.Kind != bundle.KindTrace {
				t.Errorf("entry %s failed: %s", e.Name, e.Error)
			}
			continue
		}
		data, err := b.ReadFile(e.Name, 0)
		if err != nil {
			t.Fatal(err)
		}
		p, err := profile.ParseData(data)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if err := p.CheckValid(); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
		profiles++
	}
	if profiles < 8 {
		t.Errorf("%d profiles opened, want goroutine, heap, allocs, block, mutex, threadcreate, cpu, fgprof", profiles)
	}

	// The leaks are in the text dump the bundle holds.
	text, err := b.ReadFile("goroutines.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"(*Service).pollHoldExpiry", "(*Service).awaitSettlement", "(*Service).sendRiskResult"} {
		if n := bytes.Count(text, []byte("flashsale."+fn+"(")); n == 0 {
			t.Errorf("goroutines.txt has no %s goroutine", fn)
		}
	}
	h, err := b.Metrics()
	if err != nil || len(h.Samples) < 7 { // the one New takes, then six
		t.Errorf("metrics: %v, %d samples, want 7", err, len(h.Samples))
	}

	// In GOEXPERIMENT=goroutineleakprofile builds the runtime itself proves
	// the leak-timeout senders leaked (their channel is unreachable).
	if pprof.Lookup("goroutineleak") == nil {
		return
	}
	data, err := b.ReadFile("goroutineleak.pb.gz", 0)
	if err != nil {
		t.Fatalf("goroutineleak profile missing from a build that has it: %v", err)
	}
	p, err := profile.ParseData(data)
	if err != nil {
		t.Fatal(err)
	}
	proven := int64(0)
	for _, s := range p.Sample {
		if strings.Contains(stackOf(s), "flashsale.(*Service).sendRiskResult") {
			proven += s.Value[0]
		}
	}
	if proven == 0 {
		t.Errorf("goroutineleak profile proves no sendRiskResult sender (service reports %d leaked)", st.LeakedSenders)
	}
	t.Logf("goroutineleak profile proves %d of %d leaked senders", proven, st.LeakedSenders)
}

// TestCollectorGoroutinesLabelled runs the sampler, the watcher, the flight
// recorder and a capture with a profiling window, and checks in a real
// goroutine profile that every goroutine running collector code carries the
// pprof label gdiag=collector, the HTTP handler's goroutine included while it
// serves a bundle.
func TestCollectorGoroutinesLabelled(t *testing.T) {
	c := newCollector(t,
		collector.WithMetricsInterval(10*time.Millisecond),
		collector.WithFlightRecorder(0, 1<<20),
		collector.WithWatch(collector.WatchOptions{Dir: t.TempDir(), Goroutines: 1 << 30}))
	ts, client := serve(t, c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, body := get(t, client, ts.URL+"/debug/gdiag/bundle?seconds=0.5")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status %d: %s", resp.StatusCode, body)
		}
	}()
	// Profile the process every 50 ms until the capture ends.
	tasks := map[string]bool{}
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-time.After(50 * time.Millisecond):
		}
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
			t.Fatal(err)
		}
		p, err := profile.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Sample {
			var inCollector, handler bool
			for _, loc := range s.Location {
				for _, l := range loc.Line {
					fn := l.Function.Name
					// The flight recorder's reader goroutines are the
					// collector's too: it started them.
					if strings.HasPrefix(fn, "github.com/gdiag/gdiag/collector.") || strings.HasPrefix(fn, "runtime/trace.") {
						inCollector = true
					}
					if strings.HasPrefix(fn, "github.com/gdiag/gdiag/collector.(*Collector).serveHTTP") {
						handler = true
					}
				}
			}
			if !inCollector {
				continue
			}
			if got := s.Label[collector.LabelKey]; len(got) != 1 || got[0] != collector.LabelValue {
				t.Fatalf("goroutine in collector code without %s=%s: labels %v, stack %s", collector.LabelKey, collector.LabelValue, s.Label, stackOf(s))
			}
			for _, task := range s.Label["task"] {
				tasks[task] = true
			}
			if handler {
				tasks["handler"] = true
			}
		}
	}
	for _, want := range []string{"metrics", "watch", "capture-cpu", "capture-fgprof", "handler"} {
		if !tasks[want] {
			t.Errorf("no labelled %s goroutine found; tasks %v", want, tasks)
		}
	}
}

func stackOf(s *profile.Sample) string {
	var fns []string
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			fns = append(fns, l.Function.Name)
		}
	}
	return strings.Join(fns, " ← ")
}

// hostAddr returns a non-loopback IP address of this host, or "" when it
// has none.
func hostAddr() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

// TestRemoteClientRefused serves the handler on the host's non-loopback
// address, so that the connection really comes from a non-loopback peer:
// refused without a token, served with the right one.
func TestRemoteClientRefused(t *testing.T) {
	ip := hostAddr()
	if ip == "" {
		t.Skip("host has no non-loopback IPv4 address")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	plain := newCollector(t)
	withToken := newCollector(t, collector.WithToken("s3cret"))
	mux := http.NewServeMux()
	mux.Handle("/plain/", plain.Handler())
	mux.Handle("/token/", withToken.Handler())
	ts := httptest.NewUnstartedServer(mux)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	tests := []struct {
		name, path, auth string
		want             int
	}{
		{"no token", "/plain/bundle?seconds=0&include=heap", "", http.StatusForbidden},
		{"index too", "/plain/", "", http.StatusForbidden},
		{"token missing", "/token/bundle?seconds=0&include=heap", "", http.StatusUnauthorized},
		{"token right", "/token/bundle?seconds=0&include=heap", "Bearer s3cret", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			resp, body := get(t, client, ts.URL+tt.path, hdr...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK {
				openBundle(t, body)
			}
		})
	}
}

// TestBackToBackCaptures: a capture that has returned has freed the slot,
// so the next one, started at once, is never refused as busy.
func TestBackToBackCaptures(t *testing.T) {
	c := newCollector(t)
	req := collector.CaptureRequest{Include: []collector.Part{collector.PartHeap, collector.PartMetrics}}
	for i := range 60 {
		if _, err := c.Capture(context.Background(), io.Discard, req); err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
	}
}
