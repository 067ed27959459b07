package mounttest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v4"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
)

func newCollector(t *testing.T) *collector.Collector {
	t.Helper()
	c, err := collector.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// checkMount drives every kind of endpoint of a collector mounted at
// prefix (ending in "/") on a real loopback server.
func checkMount(t *testing.T, h http.Handler, prefix string) {
	t.Helper()
	ts := httptest.NewServer(h)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp, body
	}
	for _, tt := range []struct {
		path, ctype, body string
	}{
		{prefix, "text/html; charset=utf-8", `href="` + prefix + `bundle`},
		{prefix + "history", "application/json", `"samples"`},
		{prefix + "pprof/", "text/html; charset=utf-8", `href="` + prefix + `pprof/heap`},
		{prefix + "pprof/heap", "application/octet-stream", "\x1f\x8b"},
		{prefix + "pprof/goroutine?debug=1", "text/plain; charset=utf-8", "goroutine profile: total"},
		{prefix + "pprof/delta_mutex", "application/octet-stream", "\x1f\x8b"},
	} {
		resp, body := get(tt.path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tt.ctype || !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s = %s %q %q; want 200 %q containing %q", tt.path, resp.Status, resp.Header.Get("Content-Type"), body[:min(len(body), 120)], tt.ctype, tt.body)
		}
		if got := resp.Header.Get(collector.HeaderCollector); got != prefix {
			t.Errorf("GET %s: %s = %q, want %q", tt.path, collector.HeaderCollector, got, prefix)
		}
	}
	resp, body := get(prefix + "bundle?seconds=0&include=goroutines,heap")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET bundle: %s %q", resp.Status, body)
	}
	b, err := bundle.Read(strings.NewReader(string(body)), int64(len(body)), "bundle")
	if err != nil {
		t.Fatalf("bundle: %v", err)
	}
	if err := b.Verify(); err != nil || len(b.Manifest.Entries) < 2 {
		t.Errorf("bundle: %v, %d entries", err, len(b.Manifest.Entries))
	}
	if resp, _ := get(prefix + "nosuch"); resp.StatusCode != http.StatusNotFound || resp.Header.Get(collector.HeaderCollector) == "" {
		t.Errorf("GET nosuch = %s, collector header %q; want the collector's own 404", resp.Status, resp.Header.Get(collector.HeaderCollector))
	}
}

func TestMountServeMux(t *testing.T) {
	c := newCollector(t)
	m := http.NewServeMux()
	m.Handle("/debug/gdiag/", c.Handler())
	checkMount(t, m, "/debug/gdiag/")
}

func TestMountServeMuxStripPrefix(t *testing.T) {
	c := newCollector(t)
	m := http.NewServeMux()
	m.Handle("/ops/diag/", http.StripPrefix("/ops/diag", c.Handler()))
	checkMount(t, m, "/ops/diag/")
}

func TestMountChi(t *testing.T) {
	c := newCollector(t)
	r := chi.NewRouter()
	r.Mount("/debug/gdiag", c.Handler())
	checkMount(t, r, "/debug/gdiag/")
}

func TestMountChiStripPrefix(t *testing.T) {
	c := newCollector(t)
	r := chi.NewRouter()
	r.Route("/admin", func(r chi.Router) {
		r.Handle("/gdiag/*", http.StripPrefix("/admin/gdiag", c.Handler()))
	})
	checkMount(t, r, "/admin/gdiag/")
}

func TestMountGorillaMux(t *testing.T) {
	c := newCollector(t)
	r := mux.NewRouter()
	r.PathPrefix("/debug/gdiag/").Handler(c.Handler())
	checkMount(t, r, "/debug/gdiag/")
}

func TestMountGin(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	c := newCollector(t)
	r := gin.New()
	r.Any("/internal/gdiag/*path", gin.WrapH(c.Handler()))
	checkMount(t, r, "/internal/gdiag/")
}

func TestMountEcho(t *testing.T) {
	c := newCollector(t)
	e := echo.New()
	e.Any("/debug/gdiag/*", echo.WrapHandler(c.Handler()))
	checkMount(t, e, "/debug/gdiag/")
}
