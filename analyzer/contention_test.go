package analyzer

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/contention"
	"github.com/gdiag/gdiag/fixtures/flashsale"
	"github.com/gdiag/gdiag/report"
)

// contentionLoad is the load both contention tests drive: reservations and
// item listings, mostly on the hot SKU.
var contentionLoad = flashsale.Shape{Steady: 1500 * time.Millisecond, Concurrency: 8, Mix: flashsale.Mix{Items: 20, Reserve: 80}}

// withLockProfiles turns on the mutex and block profiles for the test and
// puts them back afterwards, as the demo does.
func withLockProfiles(t *testing.T) {
	t.Helper()
	prev := runtime.SetMutexProfileFraction(2)
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	t.Cleanup(func() {
		runtime.SetMutexProfileFraction(prev)
		runtime.SetBlockProfileRate(0)
	})
}

// driveFixture starts the flash-sale service with faults on a loopback
// server, runs contentionLoad against it and calls during while the load
// still runs (nil: wait for the load to end).
func driveFixture(t *testing.T, faults flashsale.Faults, during func()) flashsale.Result {
	t.Helper()
	svc, err := flashsale.New(flashsale.Config{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(svc.Handler())
	defer func() {
		ts.Close()
		if err := svc.Close(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("fixture Close: %v", err)
		}
	}()
	done := make(chan flashsale.Result, 1)
	go func() {
		res, err := flashsale.Load(context.Background(), ts.URL, contentionLoad)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	if during != nil {
		time.Sleep(contentionLoad.Steady * 3 / 4)
		during()
	}
	res := <-done
	if res.Requests == 0 {
		t.Fatal("no load")
	}
	return res
}

// TestContentionFindsHotSKUConvoy runs the hot-sku-convoy fault under load,
// captures a real bundle with the runtime's mutex and block profiles through
// the collector and expects the top contention finding to name the critical
// section that holds the lock across the downstream call.
func TestContentionFindsHotSKUConvoy(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the flash-sale fixture for 1.5 s")
	}
	// The collector turns sampling on, so the bundle says since when
	// (Sampling.Since) and the delay per second is measured over the load,
	// not over the test process's uptime, which other tests and a slow
	// machine stretch.
	c, err := collector.New(
		collector.WithMutexProfileFraction(2, collector.SampleAlways),
		collector.WithBlockProfileRate(int(10*time.Microsecond), collector.SampleAlways))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var buf bytes.Buffer
	driveFixture(t, flashsale.Faults{HotSKUConvoy: true}, func() {
		if _, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{
			Include: []collector.Part{collector.PartMutex, collector.PartBlock},
		}); err != nil {
			t.Fatal(err)
		}
	})
	in, err := LoadReader("convoy.gdiag", bytes.NewReader(buf.Bytes()), int64(buf.Len()), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in.Profiles[bundle.KindMutex] == nil || in.Profiles[bundle.KindBlock] == nil {
		t.Fatalf("bundle has profiles %v, want mutex and block", describe(in).Detail)
	}
	r := Analyze([]*Input{in}, Options{})
	var mutex, wait *report.Finding
	for i := range r.Findings {
		f := &r.Findings[i]
		switch {
		case f.Check == contention.CheckMutexHot && mutex == nil:
			mutex = f
		case f.Check == contention.CheckLockWait && wait == nil && strings.HasSuffix(f.Function, "reserveHoldingLock"):
			// GET /items queues behind the same lock (snapshotItems) and
			// may rank first; the reservations must be there too.
			wait = f
		}
	}
	if mutex == nil {
		t.Fatalf("no %s finding; findings %v; sections %v", contention.CheckMutexHot, checkIDs(r), contentionTables(r))
	}
	t.Logf("%s: %s\n%s", mutex.Severity, mutex.Summary, strings.Join(mutex.Evidence, "\n"))
	if wait != nil {
		t.Logf("%s: %s", wait.Severity, wait.Summary)
	}
	if !strings.HasSuffix(mutex.Function, "flashsale.(*Service).reserveHoldingLock") || !strings.Contains(mutex.Location, "fixtures/flashsale/leak.go:") {
		t.Errorf("top mutex finding at %s %s, want the Unlock in (*Service).reserveHoldingLock", mutex.Function, mutex.Location)
	}
	if mutex.Severity < report.SeverityMedium || mutex.Metrics["delay_share"] < 0.5 || mutex.Metrics["delay_seconds_per_second"] <= 0 {
		t.Errorf("convoy finding too weak: %s, metrics %v", mutex.Severity, mutex.Metrics)
	}
	if wait == nil || !strings.HasSuffix(wait.Function, "reserveHoldingLock") {
		t.Errorf("block profile: want a %s finding at reserveHoldingLock's Lock, got %+v", contention.CheckLockWait, wait)
	}
	if len(contentionTables(r)) == 0 {
		t.Error("no contention section")
	}
}

// TestContentionHealthyFixture runs the same load without faults and
// analyses the delta of the runtime's mutex and block profiles over the
// load: nothing above info.
func TestContentionHealthyFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the flash-sale fixture for 1.5 s")
	}
	withLockProfiles(t)
	before := lockProfiles(t)
	driveFixture(t, flashsale.Faults{}, nil)
	after := lockProfiles(t)
	in := &Input{Name: "healthy", Kind: KindProfile, Profiles: map[bundle.Kind]*profile.Profile{}}
	for k, p1 := range after {
		p0 := before[k]
		p0.Scale(-1)
		d, err := profile.Merge([]*profile.Profile{p0, p1})
		if err != nil {
			t.Fatal(err)
		}
		d.DurationNanos, d.TimeNanos = p1.TimeNanos-p0.TimeNanos, p1.TimeNanos
		// The load generator runs in this process: its HTTP client's
		// waits (net/http's Transport locks) are the test's, not the
		// service's, so its samples are left out as a separate client
		// process would leave them out.
		d.FilterSamplesByName(nil, loadGenerator, nil, nil)
		in.Profiles[k] = d
	}
	r := Analyze([]*Input{in}, Options{})
	sawSection := len(contentionTables(r)) > 0
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Check, "contention/") && f.Severity > report.SeverityInfo {
			t.Errorf("healthy fixture: %s %s: %s\n%s", f.Check, f.Severity, f.Summary, strings.Join(f.Evidence, "\n"))
		}
	}
	t.Logf("healthy: contention section %v: %v", sawSection, contentionTables(r))
}

// loadGenerator matches the frames of flashsale.Load's clients.
var loadGenerator = regexp.MustCompile(`flashsale\.\(\*loadClient\)`)

// lockProfiles reads the runtime's mutex and block profiles now.
func lockProfiles(t *testing.T) map[bundle.Kind]*profile.Profile {
	t.Helper()
	out := map[bundle.Kind]*profile.Profile{}
	for _, k := range []bundle.Kind{bundle.KindMutex, bundle.KindBlock} {
		var buf bytes.Buffer
		if err := pprof.Lookup(string(k)).WriteTo(&buf, 0); err != nil {
			t.Fatal(err)
		}
		p, err := profile.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		p.TimeNanos = time.Now().UnixNano()
		out[k] = p
	}
	return out
}

func checkIDs(r *report.Report) []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.Check+" "+f.Severity.String())
	}
	return ids
}

func contentionTables(r *report.Report) []report.Table {
	for _, s := range r.Sections {
		if s.ID == contention.SectionContention {
			return s.Tables
		}
	}
	return nil
}

// TestContentionSaysSamplingOff checks that a bundle whose manifest records
// block and mutex sampling off gets "no data" notes rather than silence, and
// that a bundle with sampling on gets none.
func TestContentionSaysSamplingOff(t *testing.T) {
	tests := []struct {
		name string
		s    bundle.Sampling
		want []string
	}{
		{"both off", bundle.Sampling{}, []string{"mutex profile: no data: sampling off", "block profile: no data: sampling off"}},
		{"mutex on, block off", bundle.Sampling{MutexFraction: 5}, []string{"block profile: no data: sampling off"}},
		{"block set by the service", bundle.Sampling{MutexFraction: 1, BlockRecords: 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Name: "b.gdiag", Manifest: &bundle.Manifest{Sampling: &tt.s}}
			res, err := contention.Analyze(contentionInput([]*Input{in}), contention.Options{})
			secs, fs, warns := res.Sections(), res.Findings(), errorLines(err)
			var notes []string
			for _, s := range secs {
				notes = append(notes, s.Notes...)
			}
			if len(fs) != 0 || len(warns) != 0 {
				t.Errorf("findings %v, warnings %v; want none", fs, warns)
			}
			if len(notes) != len(tt.want) {
				t.Fatalf("notes %q; want %d", notes, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(notes[i], w) {
					t.Errorf("note %d = %q; want prefix %q", i, notes[i], w)
				}
			}
		})
	}
}

// TestProfileWindow: a bundle whose collector turned sampling on after the
// process started measures rates over the time since then, not over the
// uptime (the demo in a long-running test process showed 40 s/s of convoy
// as 0.3 s/s); without that record, the uptime.
func TestProfileWindow(t *testing.T) {
	at := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	proc := &bundle.Process{UserSeconds: 100, SysSeconds: 50, CPUPercent: 100} // up 150 s
	tests := []struct {
		name string
		m    *bundle.Manifest
		want float64
	}{
		{"uptime", &bundle.Manifest{CapturedAt: at, Process: proc}, 150},
		{"sampling since 6 s", &bundle.Manifest{CapturedAt: at, Process: proc, Sampling: &bundle.Sampling{MutexFraction: 5, Since: at.Add(-6 * time.Second)}}, 6},
		{"sampling since before the uptime", &bundle.Manifest{CapturedAt: at, Process: proc, Sampling: &bundle.Sampling{MutexFraction: 5, Since: at.Add(-time.Hour)}}, 150},
		{"no uptime, sampling since", &bundle.Manifest{CapturedAt: at, Sampling: &bundle.Sampling{MutexFraction: 5, Since: at.Add(-6 * time.Second)}}, 6},
		{"delta entry", &bundle.Manifest{CapturedAt: at, Process: proc, Entries: []bundle.Entry{{Kind: bundle.KindMutex, Seconds: 2}}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Name: "b.gdiag", Manifest: tt.m}
			if got, from := profileWindow(in, bundle.KindMutex, &profile.Profile{}); got != tt.want {
				t.Errorf("window %v (%s), want %v", got, from, tt.want)
			}
		})
	}
}

// contend holds mu for 500 µs at a time from several goroutines until stop
// is closed: steady mutex contention.
func contend(mu *sync.Mutex, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		mu.Lock()
		time.Sleep(500 * time.Microsecond)
		mu.Unlock()
	}
}

// TestContentionSampledDuringCaptures: with sampling scoped to captures,
// each bundle's block and mutex profiles hold its own window's events, as
// a delta with the window in the entry, so a capture after the contention
// ended does not report the previous window's delay as its own.
func TestContentionSampledDuringCaptures(t *testing.T) {
	c, err := collector.New(
		collector.WithMutexProfileFraction(1, collector.SampleDuringCapture),
		collector.WithBlockProfileRate(1, collector.SampleDuringCapture))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	capture := func() *Input {
		t.Helper()
		var buf bytes.Buffer
		if _, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{
			Seconds: 0.3,
			Include: []collector.Part{collector.PartCPU, collector.PartMutex, collector.PartBlock},
		}); err != nil {
			t.Fatal(err)
		}
		in, err := LoadReader("window.gdiag", bytes.NewReader(buf.Bytes()), int64(buf.Len()), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	// delay sums a profile's delay at contend's lock.
	delay := func(in *Input, k bundle.Kind) (float64, float64) {
		t.Helper()
		p := in.Profiles[k]
		if p == nil {
			t.Fatalf("no %s profile", k)
		}
		var secs float64
		for _, e := range in.Manifest.Entries {
			if e.Kind == k {
				secs = e.Seconds
			}
		}
		di := len(p.SampleType) - 1 // delay/nanoseconds
		var d int64
		for _, s := range p.Sample {
			if sampleIn(s, "analyzer.contend") {
				d += s.Value[di]
			}
		}
		return time.Duration(d).Seconds(), secs
	}

	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go contend(&mu, stop, &wg)
	}
	busy := capture()
	close(stop)
	wg.Wait()
	idle := capture()

	for _, k := range []bundle.Kind{bundle.KindMutex, bundle.KindBlock} {
		d1, s1 := delay(busy, k)
		d2, s2 := delay(idle, k)
		t.Logf("%s: %.3f s of delay over a %.2f s window while contended, %.3f s over %.2f s after", k, d1, s1, d2, s2)
		if s1 < 0.3 || s2 < 0.3 {
			t.Errorf("%s entries carry windows of %.2f s and %.2f s, want the capture's (≥ 0.3 s)", k, s1, s2)
		}
		// The runtime's mutex profile now and then records none of this
		// convoy's waits for seconds on end (1 run in 10 here, whatever
		// the window); the block profile always does.
		if d1 <= 0 && k == bundle.KindBlock {
			t.Errorf("%s: no delay at contend during the contended window", k)
		}
		if d2 != 0 {
			t.Errorf("%s: %.3f s of delay at contend in the window after the contention ended", k, d2)
		}
	}
	r := Analyze([]*Input{busy}, Options{})
	found := false
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Check, "contention/") && strings.HasSuffix(f.Function, "analyzer.contend") {
			found = true
			t.Logf("%s: %s", f.Check, f.Summary)
			// The rate is over the window (0.3 s asked, more on a loaded
			// machine), not over the process's uptime.
			w := -1.0
			if m := regexp.MustCompile(`over ([0-9.]+) s\)`).FindStringSubmatch(f.Summary); m != nil {
				w, _ = strconv.ParseFloat(m[1], 64)
			}
			if w < 0.25 || w > 2 {
				t.Errorf("%s: rate not over the capture window: %s", f.Check, f.Summary)
			}
		}
	}
	if !found {
		t.Errorf("no contention finding at analyzer.contend; findings %v", checkIDs(r))
	}
}

// sampleIn reports whether a frame of s is a function ending in fn.
func sampleIn(s *profile.Sample, fn string) bool {
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			if l.Function != nil && strings.HasSuffix(l.Function.Name, fn) {
				return true
			}
		}
	}
	return false
}
