package promexport_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// flashsaleProc is the flash-sale fixture's command running as its own
// process, with the collector, the live leak watch and the exporter.
type flashsaleProc struct {
	cmd  *exec.Cmd
	addr string
}

// buildFlashsale builds the fixture's command with the toolchain running
// the test.
func buildFlashsale(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flashsale")
	// go from PATH: it honours GOTOOLCHAIN as the test's own build did.
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not in PATH: %v", err)
	}
	out, err := exec.Command(gobin, "build", "-o", bin, "github.com/gdiag/gdiag/fixtures/flashsale/cmd/flashsale").CombinedOutput()
	if err != nil {
		t.Fatalf("go build flashsale: %v\n%s", err, out)
	}
	return bin
}

// startFlashsale starts the command on a free loopback port with the given
// faults and its own load, and returns once it serves.
func startFlashsale(t *testing.T, bin, faults string) *flashsaleProc {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-faults", faults, "-load", "10m", "-serve",
		"-concurrency", "2", "-spike-concurrency", "4", "-max-requests", "10000000",
		"-leakwatch-interval", "500ms", "-leakwatch-window", "30s", "-leakwatch-leak-interval", "2s", "-leakwatch-budget", "1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "flashsale: serving on http://"); ok {
				a, _, _ := strings.Cut(rest, " ")
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return &flashsaleProc{cmd: cmd, addr: a}
	case <-time.After(30 * time.Second):
		t.Fatal("flashsale did not start serving within 30 s")
	}
	return nil
}

// freePort returns a loopback address nobody listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// startPrometheus runs the Debian prometheus server (never the system
// service) with its own config and storage, scraping targets every second
// and evaluating alerts.yml.
func startPrometheus(t *testing.T, bin string, targets map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	rules, err := filepath.Abs("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var sc strings.Builder
	fmt.Fprintf(&sc, "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nrule_files:\n  - %q\nscrape_configs:\n  - job_name: flashsale\n    static_configs:\n", rules)
	for run, addr := range targets {
		fmt.Fprintf(&sc, "      - targets: [%q]\n        labels: {run: %q}\n", addr, run)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(sc.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	listen := freePort(t)
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+listen, "--log.level=warn")
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("prometheus log:\n%s", b)
		}
	})
	base := "http://" + listen
	poll(t, 30*time.Second, "prometheus ready", func() (bool, string) {
		resp, err := http.Get(base + "/-/ready")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return base
}

// poll calls f until it reports true or the deadline passes; it paces
// itself by the HTTP round trips, with a short pause between attempts.
func poll(t *testing.T, d time.Duration, what string, f func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for {
		ok, msg := f()
		if ok {
			return
		}
		last = msg
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last: %s", what, d, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type series struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query runs an instant query through Prometheus' HTTP API.
func query(t *testing.T, base, q string) []series {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []series `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	if r.Status != "success" {
		t.Fatalf("query %s: %s %s", q, r.Status, r.Error)
	}
	return r.Data.Result
}

func describe(ss []series) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%v=%v; ", s.Metric, s.Value[1])
	}
	return b.String()
}

// The flash-sale fixture with its leak faults and a healthy one under the
// same load, each in its own process with the collector, the live leak
// watch and the exporter, scraped by a real Prometheus every second: the
// leak sites of the faults show up with a leak verdict and the alert rule
// for growing sites goes pending, while the healthy run shows no leak and
// no alert.
func TestPrometheusScrapesLeakVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and two services; skipped in -short mode")
	}
	prom := needTool(t, "prometheus")
	bin := buildFlashsale(t)
	start := time.Now()
	faulty := startFlashsale(t, bin, "leak-timeout,context-leak,ticker-leak")
	healthy := startFlashsale(t, bin, "none")
	base := startPrometheus(t, prom, map[string]string{"faulty": faulty.addr, "healthy": healthy.addr})

	proofAvailable := pprof.Lookup("goroutineleak") != nil // the fixture is built with this toolchain
	want := map[string]bool{                               // leak sites of the faults, by the function they block in
		"github.com/gdiag/gdiag/fixtures/flashsale.(*Service).sendRiskResult":  false,
		"github.com/gdiag/gdiag/fixtures/flashsale.(*Service).awaitSettlement": false,
	}
	var firstLeak time.Duration
	poll(t, 90*time.Second, "leak sites of the faults with a leak verdict in Prometheus", func() (bool, string) {
		ss := query(t, base, `gdiag_leak_site_goroutines{run="faulty",verdict=~"likely-leak|proven-leak"}`)
		for _, s := range ss {
			fn := s.Metric["function"]
			if _, ok := want[fn]; !ok {
				continue
			}
			if proofAvailable && fn == "github.com/gdiag/gdiag/fixtures/flashsale.(*Service).sendRiskResult" && s.Metric["verdict"] != "proven-leak" {
				continue // the runtime's proof is due every 2 s
			}
			if firstLeak == 0 {
				firstLeak = time.Since(start)
			}
			want[fn] = true
		}
		for _, ok := range want {
			if !ok {
				return false, describe(ss)
			}
		}
		return true, ""
	})
	t.Logf("first leak verdict in Prometheus %v after the services started (watch interval 500 ms, scrape 1 s); both sites after %v", firstLeak.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))

	poll(t, 30*time.Second, "GdiagLeakSiteGrowing pending for the faulty run", func() (bool, string) {
		ss := query(t, base, `ALERTS{run="faulty",alertname="GdiagLeakSiteGrowing"}`)
		return len(ss) > 0, describe(ss)
	})
	if proofAvailable {
		poll(t, 30*time.Second, "proven goroutines for the faulty run", func() (bool, string) {
			ss := query(t, base, `gdiag_leak_proven_goroutines{run="faulty"} > 0`)
			return len(ss) > 0, describe(ss)
		})
	}

	// The healthy run, under the same load for as long, judged over as
	// many snapshots: nothing.
	// On a loaded machine the healthy process may start and be scraped
	// later than the faulty one: wait for its snapshots rather than
	// assume them.
	poll(t, 90*time.Second, "more than 5 goroutine snapshots of the healthy run in Prometheus", func() (bool, string) {
		ss := query(t, base, `gdiag_leakwatch_profiles_total{run="healthy",profile="goroutine"} > 5`)
		return len(ss) > 0, describe(query(t, base, `gdiag_leakwatch_profiles_total{run="healthy"}`)) + " up: " + describe(query(t, base, `up`))
	})
	if ss := query(t, base, `gdiag_leak_goroutines{run="healthy",verdict=~"likely-leak|proven-leak"} > 0`); len(ss) > 0 {
		t.Errorf("healthy run has leaked goroutines: %s", describe(ss))
	}
	if ss := query(t, base, `max_over_time(gdiag_leak_goroutines{run="healthy",verdict=~"likely-leak|proven-leak"}[5m]) > 0`); len(ss) > 0 {
		t.Errorf("healthy run had leaked goroutines at some point: %s", describe(ss))
	}
	if ss := query(t, base, `ALERTS{run="healthy"}`); len(ss) > 0 {
		t.Errorf("healthy run raised alerts: %s", describe(ss))
	}
	if ss := query(t, base, `gdiag_leak_site_goroutines{run="healthy"}`); len(ss) > 0 {
		t.Logf("healthy run's suspect sites (not leaks): %s", describe(ss))
	}
	if ss := query(t, base, `up{run="healthy"} == 1`); len(ss) != 1 {
		t.Errorf("healthy target not up: %s", describe(query(t, base, `up`)))
	}
	t.Logf("faulty run's sites: %s", describe(query(t, base, `gdiag_leak_site_goroutines{run="faulty"}`)))
	t.Logf("watch cost: %s", describe(query(t, base, `gdiag_leakwatch_seconds_total`)))
}
