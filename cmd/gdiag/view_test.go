package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
)

// spinForViewTest burns CPU until stop is closed, so that the capture's
// CPU profile has samples.
func spinForViewTest(stop <-chan struct{}) int {
	n := 0
	for {
		select {
		case <-stop:
			return n
		default:
		}
		for i := range 10_000 {
			n += i * i
		}
	}
}

// captureViewBundle captures a real bundle from a collector in this
// process, with CPU and wall-clock profiles and a flight-recorder trace.
func captureViewBundle(t *testing.T) string {
	t.Helper()
	_, base := serveCollector(t, nil, collector.WithMetricsInterval(50*time.Millisecond),
		collector.WithFlightRecorder(time.Second, 4<<20))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); spinForViewTest(stop) }()
	out := filepath.Join(t.TempDir(), "view.gdiag")
	code, stdout, stderr := runCLI(t, "capture", "--seconds", "0.5", "-o", out, base+"/debug/gdiag/")
	close(stop)
	wg.Wait()
	if code != exitOK {
		t.Fatalf("capture: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	return out
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// topFunction is the function with the most samples in p (first value).
func topFunction(p *profile.Profile) string {
	flat := map[string]int64{}
	for _, s := range p.Sample {
		if len(s.Location) > 0 && len(s.Location[0].Line) > 0 && len(s.Value) > 0 {
			flat[s.Location[0].Line[0].Function.Name] += s.Value[0]
		}
	}
	best, bestV := "", int64(-1)
	for fn, v := range flat {
		if v > bestV || v == bestV && fn < best {
			best, bestV = fn, v
		}
	}
	return best
}

// TestView serves a real bundle: the index, the HTML report, the CPU and
// wall-clock profiles' flame graphs in pprof's web UI naming functions of
// the profiles, the trace extracted for go tool trace; cancelling the
// context stops the server and removes the trace.
func TestView(t *testing.T) {
	path := captureViewBundle(t)
	var stderr bytes.Buffer
	inputs, code := loadAll([]string{path}, nil, &stderr, addLoadFlags(flag.NewFlagSet("view", flag.ContinueOnError)))
	if inputs == nil || code != exitOK {
		t.Fatalf("load: exit %d: %s", code, stderr.String())
	}
	in := inputs[0]
	for _, k := range []bundle.Kind{bundle.KindCPU, bundle.KindFgprof} {
		if in.Profiles[k] == nil {
			t.Fatalf("bundle has no %s profile", k)
		}
	}

	var stdout syncBuffer
	v := viewer{addr: "127.0.0.1:0", files: []string{path}, inputs: inputs, maxTrace: analyzer.DefaultMaxInputBytes, stdout: &stdout, stderr: &stderr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- v.serve(ctx, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}

	code2, index := get(t, base)
	if code2 != http.StatusOK || !strings.Contains(index, `href="/pprof/cpu/flamegraph"`) || !strings.Contains(index, `href="/pprof/fgprof/flamegraph"`) {
		t.Fatalf("index: %d\n%s", code2, index)
	}
	if c, body := get(t, base+"report"); c != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("report: %d, %.200s", c, body)
	}
	for _, k := range []bundle.Kind{bundle.KindCPU, bundle.KindFgprof} {
		p := in.Profiles[k]
		if len(p.Sample) == 0 {
			t.Errorf("%s profile has no samples", k)
			continue
		}
		fn := topFunction(p)
		c, body := get(t, base+"pprof/"+string(k)+"/flamegraph")
		if c != http.StatusOK || !strings.Contains(body, fn) {
			t.Errorf("%s flame graph: %d, does not name %q (the profile's top function)", k, c, fn)
		}
		// The UI root redirects to the flame graph, relative to the mount.
		req, _ := http.NewRequest("GET", base+"pprof/"+string(k)+"/", nil)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != "flamegraph" {
			t.Errorf("%s UI root: %d to %q, want a redirect to flamegraph", k, resp.StatusCode, loc)
		}
	}
	if c, body := get(t, base+"pprof/cpu/top"); c != http.StatusOK || !strings.Contains(body, topFunction(in.Profiles[bundle.KindCPU])) {
		t.Errorf("cpu top: %d", c)
	}
	// DNS rebinding: a request for another host name is refused.
	req, _ := http.NewRequest("GET", base, nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusForbidden {
		t.Errorf("Host evil.example: %d, want 403", resp.StatusCode)
	}

	out := stdout.String()
	m := regexp.MustCompile(`go tool trace (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no go tool trace command in\n%s", out)
	}
	if st, err := os.Stat(m[1]); err != nil || st.Size() == 0 {
		t.Errorf("trace %s: %v", m[1], err)
	}
	if !strings.Contains(out, "serving "+base) {
		t.Errorf("the URL is not printed:\n%s", out)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after cancel")
	}
	if _, err := http.Get(base); err == nil {
		t.Error("server still answers after cancel")
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("trace %s left behind: %v", m[1], err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestViewUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no input files"},
		{[]string{"--http", "0.0.0.0:8080", leakdata("series-1.gdiag")}, "not a loopback address"},
		{[]string{"--http", "example.com:80", leakdata("series-1.gdiag")}, "not a loopback address"},
		{[]string{"nope.gdiag"}, "nope.gdiag"},
	} {
		code, _, stderr := runCLI(t, append([]string{"view"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("view %q: exit %d, stderr %q, want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
}
