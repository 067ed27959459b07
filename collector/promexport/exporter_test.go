package promexport_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/collector/leakwatch"
	"github.com/gdiag/gdiag/collector/promexport"
	"github.com/gdiag/gdiag/stack"
)

// needTool returns the path of a Prometheus tool. In CI (CI=true) a
// missing tool fails the test; elsewhere the test is skipped saying why.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (CI=true): .ci/run installs the Debian package prometheus", name)
	}
	t.Skipf("%s not found: apt-get install prometheus (the Debian package has prometheus and promtool)", name)
	return ""
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func exportLeak(ch chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	ch <- 1
}

const exportLeakFn = "github.com/gdiag/gdiag/collector/promexport_test.exportLeak"

// waitBlocked polls (no fixed sleep) until n goroutines block in fn.
func waitBlocked(t *testing.T, fn string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		k := runtime.Stack(buf, true)
		snap, err := stack.Parse(bytes.NewReader(buf[:k]), stack.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, g := range snap.Goroutines {
			if g.Op != stack.OpRunning && g.Op != stack.OpUnknown && len(g.Stack.Frames) > 0 && g.Stack.Frames[0].Func == fn {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines blocked in %s, want %d", got, fn, n)
		}
		runtime.Gosched()
	}
}

// The exporter's metrics pass promtool check metrics next to
// client_golang's Go and process collectors in one pedantic registry (no
// name clash, Describe and Collect consistent), and a growing leak site
// shows with its verdict.
func TestExporterMetrics(t *testing.T) {
	promtool := needTool(t, "promtool")
	clk := &fakeClock{t: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)}
	w, err := leakwatch.New(leakwatch.Options{Now: clk.Now, LeakInterval: -1, Budget: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := collector.New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch := make(chan int)
	var wg sync.WaitGroup
	started := 0
	defer func() {
		for range started {
			<-ch
		}
		wg.Wait()
	}()
	for i := range 4 {
		for range 12 {
			started++
			wg.Add(1)
			go exportLeak(ch, &wg)
		}
		waitBlocked(t, exportLeakFn, 12*(i+1))
		w.Step()
		clk.Advance(time.Minute)
	}
	e, err := promexport.New(promexport.Options{Watch: w, Collector: c, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		byName[mf.GetName()] = mf
	}
	for _, name := range []string{"gdiag_leak_goroutines", "gdiag_leak_proven_goroutines", "gdiag_heap_live_bytes",
		"gdiag_gogc_percent", "gdiag_recommended_gogc_percent", "gdiag_collector_captures_total", "gdiag_leakwatch_profiles_total", "go_goroutines"} {
		if byName[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	var site *dto.Metric
	if mf := byName["gdiag_leak_site_goroutines"]; mf != nil {
		for _, m := range mf.GetMetric() {
			if label(m, "function") == exportLeakFn {
				site = m
			}
		}
	}
	if site == nil {
		t.Fatal("no gdiag_leak_site_goroutines series for the leaking function")
	}
	if v := label(site, "verdict"); v != "likely-leak" || site.GetGauge().GetValue() != 48 || label(site, "check") != "leaks/chan-send-forever" {
		t.Errorf("site: verdict %s, value %v, check %s; want likely-leak 48 leaks/chan-send-forever", v, site.GetGauge().GetValue(), label(site, "check"))
	}
	for _, m := range byName["gdiag_leak_goroutines"].GetMetric() {
		if label(m, "verdict") == "likely-leak" && m.GetGauge().GetValue() < 48 {
			t.Errorf("likely-leak goroutines %v, want ≥ 48", m.GetGauge().GetValue())
		}
	}

	// promtool lints the exposition format as Prometheus scrapes it.
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	t.Logf("promtool check metrics: %v\n%s", err, out)
	// promtool also lints client_golang's own go_* and process_* metrics;
	// only problems with ours count.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "gdiag_") {
			t.Errorf("promtool check metrics: %s", line)
		}
	}
	if err != nil && !strings.Contains(string(out), "go_") && !strings.Contains(string(out), "process_") {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// Each promtool unit test of testdata/alerts_test.yml fires an alert of
// alerts.yml on made-up series, and one that must not fire stays quiet.
func TestAlertRules(t *testing.T) {
	promtool := needTool(t, "promtool")
	out, err := exec.Command(promtool, "check", "rules", "alerts.yml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS: 4 rules found") {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	cmd := exec.Command(promtool, "test", "rules", "alerts_test.yml")
	cmd.Dir = "testdata"
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

func TestNewNeedsASource(t *testing.T) {
	if _, err := promexport.New(promexport.Options{}); err == nil {
		t.Error("New with neither Watch nor Collector: no error")
	}
	if _, err := promexport.New(promexport.Options{Collector: &collector.Collector{}, GCCPUTarget: 2}); err == nil {
		t.Error("GCCPUTarget 2: no error")
	}
}
