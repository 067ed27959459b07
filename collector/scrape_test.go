package collector_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdiag/gdiag/collector"
)

// goTool runs "go tool NAME ARGS..." with the toolchain running the test
// and returns its combined output. The tool's binary is located once with
// "go tool -n" (building it if needed) and run directly.
func goTool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	toolPaths.Lock()
	path, ok := toolPaths.m[name]
	if !ok {
		out, err := exec.Command("go", "tool", "-n", name).Output()
		if err != nil {
			toolPaths.Unlock()
			t.Fatalf("go tool -n %s: %v", name, err)
		}
		path = strings.TrimSpace(string(out))
		toolPaths.m[name] = path
	}
	toolPaths.Unlock()
	out, err := exec.Command(path, args...).CombinedOutput()
	return string(out), err
}

var toolPaths = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// TestScrapeProfilesReadByGoToolPprof fetches every scrape-compatible
// profile path from a real loopback server, as a fleet profiler would, and
// has `go tool pprof -raw` read each one (`go tool trace -d=parsed` the
// trace).
func TestScrapeProfilesReadByGoToolPprof(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go tool pprof per path; -short skips it")
	}
	// Some contention, so that the block, mutex and delta profiles hold
	// samples once sampling is on.
	c := newCollector(t, collector.WithBlockProfileRate(1, collector.SampleAlways), collector.WithMutexProfileFraction(1, collector.SampleAlways))
	// The contention is made certain, not likely: the test holds mu until a
	// goroutine is asleep in mu.Lock (block profile: its wait; mutex
	// profile: this function's Unlock).
	var mu sync.Mutex
	var wg sync.WaitGroup
	waited := 0
	mu.Lock()
	wg.Go(func() {
		mu.Lock()
		waited++
		mu.Unlock()
	})
	waitForState(t, "sync.Mutex.Lock", "TestScrapeProfilesReadByGoToolPprof")
	mu.Unlock()
	wg.Wait()
	if waited != 1 {
		t.Fatalf("the waiter ran %d times", waited)
	}
	ts, client := serve(t, c)
	base := ts.URL + "/debug/gdiag/pprof/"
	dir := t.TempDir()

	paths := []string{"goroutine", "heap?gc=1", "allocs", "block", "mutex", "threadcreate",
		"delta_heap", "delta_block", "delta_mutex", "profile?seconds=0.2", "fgprof?seconds=0.2"}
	if hasProfile("goroutineleak") {
		paths = append(paths, "goroutineleak")
	}
	for i, p := range paths {
		t.Run(p, func(t *testing.T) {
			resp, body := get(t, client, base+p)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %s %q", p, resp.Status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("GET %s: Content-Type %q, want application/octet-stream (as net/http/pprof)", p, ct)
			}
			file := filepath.Join(dir, strings.NewReplacer("?", "_", "=", "_", ".", "_").Replace(p)+".pb.gz")
			if err := os.WriteFile(file, body, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := goTool(t, "pprof", "-raw", file)
			if err != nil || !strings.Contains(out, "Samples:") {
				t.Fatalf("go tool pprof -raw %s (path %d): %v\n%s", p, i, err, out[:min(len(out), 2000)])
			}
			// The contention profiles must hold the contention above.
			if (p == "block" || p == "mutex") && !strings.Contains(out, "TestScrapeProfilesReadByGoToolPprof") {
				t.Errorf("%s profile does not contain the test's contention:\n%s", p, out[:min(len(out), 2000)])
			}
		})
	}
	t.Run("debug=1", func(t *testing.T) {
		resp, body := get(t, client, base+"goroutine?debug=1")
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/plain; charset=utf-8" || !bytes.HasPrefix(body, []byte("goroutine profile: total")) {
			t.Errorf("goroutine?debug=1 = %s %q %q", resp.Status, ct, body[:min(len(body), 100)])
		}
	})
	t.Run("trace", func(t *testing.T) {
		resp, body := get(t, client, base+"trace?seconds=0.2")
		if resp.StatusCode != 200 {
			t.Fatalf("trace: %s %q", resp.Status, body)
		}
		file := filepath.Join(dir, "trace.out")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := goTool(t, "trace", "-d=parsed", file); err != nil || !strings.Contains(out, "Sync") {
			t.Fatalf("go tool trace -d=parsed: %v\n%s", err, out[:min(len(out), 2000)])
		}
	})
	t.Run("folded fgprof", func(t *testing.T) {
		resp, body := get(t, client, base+"fgprof?seconds=0.1&format=folded")
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte(";")) {
			t.Errorf("fgprof folded: %s %q", resp.Status, body[:min(len(body), 200)])
		}
	})
}

func hasProfile(name string) bool { return pprof.Lookup(name) != nil }

// TestScrapeRefusals checks the scrape endpoints' answers to bad or
// conflicting requests: the same safety model as bundles.
func TestScrapeRefusals(t *testing.T) {
	c := newCollector(t, collector.WithMaxSeconds(2))
	ts, client := serve(t, c)
	base := ts.URL + "/debug/gdiag/pprof/"
	// A running bundle capture holds the capture slot; its headers come
	// once it has it.
	resp, err := client.Get(ts.URL + "/debug/gdiag/bundle?seconds=1&include=cpu")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("bundle: %v %v", err, resp)
	}
	defer resp.Body.Close()
	tests := []struct {
		path string
		want int
		body string
	}{
		{"trace?seconds=0.1", http.StatusTooManyRequests, "already running"},
		{"fgprof?seconds=0.1", http.StatusTooManyRequests, "already running"},
		{"profile?seconds=abc", http.StatusBadRequest, "seconds"},
		{"profile?seconds=10", http.StatusBadRequest, "limit"},
		{"heap?seconds=5", http.StatusBadRequest, "delta_heap"},
		{"heap?debug=x", http.StatusBadRequest, "debug"},
		{"fgprof?seconds=0.1&format=svg", http.StatusBadRequest, "format"},
		{"nosuch", http.StatusNotFound, "endpoints"},
	}
	for _, tt := range tests {
		resp, body := get(t, client, base+tt.path)
		if resp.StatusCode != tt.want || !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s = %s %q; want %d containing %q", tt.path, resp.Status, body[:min(len(body), 200)], tt.want, tt.body)
		}
		if resp.Header.Get(collector.HeaderCollector) != "/debug/gdiag/" {
			t.Errorf("GET %s: %s header %q, want the mount path", tt.path, collector.HeaderCollector, resp.Header.Get(collector.HeaderCollector))
		}
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Errorf("bundle: %v", err)
	}
}

// waitForState waits until a goroutine whose stack mentions fn is parked in
// state (as the goroutine dump prints it: "sync.Mutex.Lock", "chan
// receive"). It polls the dump; a minute is a deadlock, not a slow machine.
func waitForState(t *testing.T, state, fn string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(time.Minute); ; runtime.Gosched() {
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			header, _, _ := strings.Cut(g, "\n")
			if strings.Contains(header, "["+state) && strings.Contains(g, fn) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine in %s parked in %s within a minute", fn, state)
		}
	}
}
