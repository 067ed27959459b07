package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
)

// serveCollector runs a collector mounted at /debug/gdiag/ on a real
// loopback server; wrap, when set, sits in front of the handler.
func serveCollector(t *testing.T, wrap func(http.Handler) http.Handler, opts ...collector.Option) (*collector.Collector, string) {
	t.Helper()
	c, err := collector.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = c.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/gdiag/", h)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ts.Close()
		_ = c.Close()
	})
	return c, ts.URL
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCaptureDownloadsAValidBundle(t *testing.T) {
	_, base := serveCollector(t, nil, collector.WithMetricsInterval(50*time.Millisecond))
	dir := t.TempDir()
	out := filepath.Join(dir, "b.gdiag")
	code, stdout, stderr := runCLI(t, "capture", "--seconds", "0.3", "-o", out, base+"/debug/gdiag/")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	b, err := bundle.Open(out)
	if err != nil {
		t.Fatalf("bundle.Open: %v", err)
	}
	defer b.Close()
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	if b.Manifest.PID != os.Getpid() {
		t.Errorf("manifest pid %d, want this process %d", b.Manifest.PID, os.Getpid())
	}
	for _, k := range []bundle.Kind{bundle.KindGoroutineProfile, bundle.KindHeap, bundle.KindCPU, bundle.KindMetrics} {
		e, ok := b.Lookup(k)
		if !ok {
			t.Errorf("no %s entry", k)
			continue
		}
		if strings.HasSuffix(e.Name, ".pb.gz") {
			data, err := b.ReadFile(e.Name, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := profile.ParseData(data); err != nil {
				t.Errorf("%s: %v", e.Name, err)
			}
		}
		if k == bundle.KindCPU && e.Seconds != 0.3 {
			t.Errorf("cpu window %v s, want 0.3", e.Seconds)
		}
	}
	for _, want := range []string{"wrote " + out, "goroutines", "next:", "gdiag analyze " + out, "go tool pprof -http=: ", "cpu.pb.gz"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr (not a terminal) should be quiet: %q", stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".gdiag-capture-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestCaptureDefaultName writes the collector's file name into --dir's
// equivalent (fetchRequest.Dir) and honours --include.
func TestCaptureDefaultName(t *testing.T) {
	_, base := serveCollector(t, nil)
	dir := t.TempDir()
	res, err := fetchBundle(context.Background(), fetchRequest{URL: strings.TrimPrefix(base, "http://"), Include: []string{"heap"}, Dir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(res.Path) != dir || !strings.HasPrefix(filepath.Base(res.Path), "gdiag-") || filepath.Ext(res.Path) != ".gdiag" {
		t.Errorf("path %q: want gdiag-<host>-<time>.gdiag in %s", res.Path, dir)
	}
	if len(res.Manifest.Entries) != 1 || res.Manifest.Entries[0].Kind != bundle.KindHeap {
		t.Errorf("entries %+v, want only heap", res.Manifest.Entries)
	}
}

func TestCaptureRefusals(t *testing.T) {
	// A collector holding its capture slot for a while: the response
	// headers arrive once the capture has the slot.
	_, busyURL := serveCollector(t, nil)
	held, err := http.Get(busyURL + "/debug/gdiag/bundle?seconds=3&include=cpu")
	if err != nil || held.StatusCode != http.StatusOK {
		t.Fatalf("first capture: %v %v", held, err)
	}
	t.Cleanup(func() { held.Body.Close() }) // hanging up ends the capture

	_, tokenURL := serveCollector(t, nil, collector.WithToken("s3cret"))
	// The collector sees every client as remote behind this middleware,
	// which stands for a client on another host.
	_, remoteURL := serveCollector(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.RemoteAddr = "203.0.113.7:4711"
			h.ServeHTTP(w, r)
		})
	})
	// A router that, like chi's r.Handle("/debug/gdiag/", h), routes only
	// the mount path itself.
	_, exactURL := serveCollector(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/debug/gdiag/" {
				http.NotFound(w, r)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	tests := []struct {
		name string
		give []string
		want []string
	}{
		{"busy", []string{busyURL + "/debug/gdiag/"}, []string{"429", "another capture is running", "Retry-After", "retry in"}},
		{"no token", []string{tokenURL + "/debug/gdiag/"}, []string{"401", "--token", "GDIAG_TOKEN"}},
		{"wrong token", []string{"--token", "nope", tokenURL + "/debug/gdiag/"}, []string{"401", "rejected the token"}},
		{"remote", []string{remoteURL + "/debug/gdiag/"}, []string{"403", "loopback", "port-forward", "WithToken"}},
		{"refused", []string{"http://" + refused + "/debug/gdiag/"}, []string{"cannot connect", "connection refused", "/debug/gdiag/"}},
		{"not mounted", []string{busyURL + "/elsewhere/"}, []string{"404", "no gdiag collector at", "/elsewhere/"}},
		{"exact-match router", []string{exactURL + "/debug/gdiag/"}, []string{"404", "the collector answers at", "matches the mount path exactly", "chi: r.Mount"}},
		{"bad parameter", []string{"--include", "bogus", busyURL + "/debug/gdiag/"}, []string{"400", "bogus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"capture", "--seconds", "0", "-o", filepath.Join(dir, "x.gdiag")}, tt.give...)
			code, stdout, stderr := runCLI(t, args...)
			if code != exitCaptureFailed {
				t.Errorf("exit %d, want %d; stdout %q", code, exitCaptureFailed, stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, stderr)
				}
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("files left after a refusal: %v", files)
			}
		})
	}

	// With the right token the same collector answers.
	code, stdout, stderr := runCLI(t, "capture", "--seconds", "0", "--include", "heap", "--token", "s3cret",
		"-o", filepath.Join(t.TempDir(), "ok.gdiag"), tokenURL+"/debug/gdiag")
	if code != exitOK {
		t.Errorf("with token: exit %d: %s %s", code, stdout, stderr)
	}
}

func TestBundleURL(t *testing.T) {
	tests := []struct {
		name string
		give fetchRequest
		want string
	}{
		{"mount point", fetchRequest{URL: "http://127.0.0.1:8080/debug/gdiag/", Seconds: 5}, "http://127.0.0.1:8080/debug/gdiag/bundle?seconds=5"},
		{"no slash", fetchRequest{URL: "http://h:1/x/gdiag", Seconds: 0.5}, "http://h:1/x/gdiag/bundle?seconds=0.5"},
		{"bundle given", fetchRequest{URL: "http://h:1/debug/gdiag/bundle", Seconds: 1}, "http://h:1/debug/gdiag/bundle?seconds=1"},
		{"bare host", fetchRequest{URL: "localhost:6060"}, "http://localhost:6060/debug/gdiag/bundle?seconds=0"},
		{"metrics given", fetchRequest{URL: "http://h:1/ops/metrics"}, "http://h:1/ops/bundle?seconds=0"},
		{"pprof path", fetchRequest{URL: "http://h:1/x/gdiag/pprof/heap?gc=1"}, "http://h:1/x/gdiag/bundle?seconds=0"},
		{"pprof index", fetchRequest{URL: "http://h:1/x/gdiag/pprof/"}, "http://h:1/x/gdiag/bundle?seconds=0"},
		{"pprof no slash", fetchRequest{URL: "http://h:1/x/gdiag/pprof"}, "http://h:1/x/gdiag/bundle?seconds=0"},
		{"all parameters", fetchRequest{URL: "https://h/d/", Seconds: 2, Include: []string{"heap", "cpu"}, Full: true},
			"https://h/d/bundle?full=1&include=heap%2Ccpu&seconds=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.give.bundleURL()
			if err != nil || got != tt.want {
				t.Errorf("bundleURL() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "ftp://h/", "http://"} {
		if _, err := (fetchRequest{URL: bad}).bundleURL(); err == nil {
			t.Errorf("bundleURL(%q) accepted", bad)
		}
	}
	if code, _, _ := runCLI(t, "capture"); code != exitUsage {
		t.Errorf("capture without URL: exit %d, want %d", code, exitUsage)
	}
}

func TestAttachmentName(t *testing.T) {
	at := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		name, give, want string
	}{
		{"collector name", `attachment; filename="gdiag-web1-20261130T060000Z.gdiag"`, "gdiag-web1-20261130T060000Z.gdiag"},
		{"path traversal", `attachment; filename="../../etc/passwd"`, "gdiag-20261130T060000Z.gdiag"},
		{"hidden", `attachment; filename=".bashrc"`, "gdiag-20261130T060000Z.gdiag"},
		{"missing", "", "gdiag-20261130T060000Z.gdiag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := attachmentName(tt.give, at); got != tt.want {
				t.Errorf("attachmentName(%q) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}
