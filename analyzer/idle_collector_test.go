package analyzer

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/leaks"
)

// TestIdleServiceWithCollectorHasNoFindings serves an idle service with the
// collector mounted on loopback, captures a full bundle over HTTP (text
// dump, CPU and wall-clock window, contention sampling during the capture)
// and analyzes it in quiescent mode: the collector's goroutines, allocations
// (gopsutil reads, bundle writing, compression) and locks must not show up
// as findings. Only the test's own goroutine, blocked in the HTTP client
// while it waits for the bundle, is ignored, as a user would ignore a
// harness.
func TestIdleServiceWithCollectorHasNoFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("captures a 0.5 s bundle")
	}
	// Runtime profiles are cumulative: run in a fresh process, so that no
	// earlier test's work is in them.
	if os.Getenv("GDIAG_IDLE_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIdleServiceWithCollectorHasNoFindings$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GDIAG_IDLE_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("idle service process: %v\n%s", err, out)
		}
		return
	}
	c, err := collector.New(collector.WithBlockProfileRate(1, collector.SampleDuringCapture),
		collector.WithMutexProfileFraction(1, collector.SampleDuringCapture))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hi") })
	mux.Handle("/debug/gdiag/", c.Handler())
	in := captureOverLoopback(t, mux, "idle.gdiag", "seconds=0.5&full=1") // charts_test.go
	if in.Goroutines == nil || in.Profiles[bundle.KindAllocs] == nil || in.Profiles[bundle.KindMutex] == nil || in.Profiles[bundle.KindBlock] == nil {
		t.Fatalf("bundle lacks goroutines, allocs, mutex or block: %v", describe(in).Detail)
	}
	harness, err := leaks.ParseRule(`func=^github\.com/gdiag/gdiag/analyzer\.TestIdleServiceWithCollectorHasNoFindings`)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Leaks: leaks.Options{Quiescent: true, Ignore: []leaks.Rule{harness}}}
	r := Analyze([]*Input{in}, opts)
	for _, f := range r.Findings {
		// This test binary links the analysis side (report, tablewriter,
		// google/pprof/profile), whose package initialization retains
		// objects; pool reports them as info "do not pool X". They are
		// neither the service's nor the collector's.
		if f.Check == "pool/retained-objects" && analysisSide(f.Function) {
			continue
		}
		// The harness allocates too: go test's generated main.main, the
		// test function, its capture helper (which holds the bundle read)
		// and TestMain's leak check. Its goroutine is ignored above; its
		// allocations are not the service's either.
		if strings.HasPrefix(f.Check, "pool/") && harnessFunc(f.Function) {
			continue
		}
		t.Errorf("finding on an idle service: %s %s: %s (%s)", f.Severity, f.Check, f.Title, f.Function)
	}
}

// harnessFunc reports whether fn is this test's harness rather than the
// idle service it stands up.
func harnessFunc(fn string) bool {
	switch fn {
	case "main.main", // go test's generated main
		"github.com/gdiag/gdiag/analyzer.TestIdleServiceWithCollectorHasNoFindings",
		"github.com/gdiag/gdiag/analyzer.captureOverLoopback":
		return true
	}
	return strings.HasPrefix(fn, "github.com/gdiag/gdiag/leaks/leaktest.")
}

// analysisSide reports whether fn belongs to a package this test binary
// links for the analysis only (a service with the collector does not).
func analysisSide(fn string) bool {
	for _, p := range []string{"github.com/olekukonko/", "github.com/google/pprof/", "github.com/gdiag/gdiag/report."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
