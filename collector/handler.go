package collector

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// Handler returns the debug endpoint. Mount it under any prefix, with or
// without http.StripPrefix — routing looks only at the last path element:
//
//	mux.Handle("/debug/gdiag/", c.Handler())
//
// The endpoints (GET; HEAD except for the bundle) are "/" (index page), "/bundle",
// "/history" and, with WithLeakWatch, "/leaks"; the package documentation
// lists their query parameters.
// Requests from non-loopback addresses are refused (403) unless
// WithAllowRemote or WithToken is set; with a token every request needs it
// (401 otherwise). The handler is safe for concurrent use; bundle requests
// beyond the one running get 429 with Retry-After.
func (c *Collector) Handler() http.Handler { return http.HandlerFunc(c.serveHTTP) }

// serveHTTP labels the serving goroutine gdiag=collector for the duration
// of the request, so that profiles and dumps taken meanwhile (the bundle's
// own among them) attribute it to the collector.
func (c *Collector) serveHTTP(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels(LabelKey, LabelValue, "task", "handler"), func(ctx context.Context) {
		c.route(w, r.WithContext(ctx))
	})
}

func (c *Collector) route(w http.ResponseWriter, r *http.Request) {
	if status, msg := c.authorize(r); status != http.StatusOK {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gdiag"`)
		}
		http.Error(w, msg, status)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "collector: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "bundle" || strings.HasSuffix(p, "/bundle"):
		if r.Method != http.MethodGet { // a HEAD must not start a capture
			w.Header().Set("Allow", "GET")
			http.Error(w, "collector: bundle needs GET", http.StatusMethodNotAllowed)
			return
		}
		c.serveBundle(w, r)
	case p == "history" || strings.HasSuffix(p, "/history"):
		c.serveHistory(w, r)
	case p == "leaks" || strings.HasSuffix(p, "/leaks"):
		if c.cfg.leakWatch == nil {
			http.Error(w, "collector: no live leak watch (collector.WithLeakWatch)", http.StatusNotFound)
			return
		}
		c.cfg.leakWatch.ServeHTTP(w, r)
	case p == "metrics" || strings.HasSuffix(p, "/metrics"):
		// Prometheus users expect the exposition format at /metrics; the
		// JSON history moved so that nobody scrapes it by mistake.
		http.Error(w, "collector: the JSON metrics history moved to history; for Prometheus register collector/promexport in your registry", http.StatusNotFound)
	case p == "" || strings.HasSuffix(p, "/"):
		c.serveIndex(w, r)
	default:
		http.NotFound(w, r)
	}
}

// authorize applies the access rules; it returns http.StatusOK or the
// status and message of the refusal.
func (c *Collector) authorize(r *http.Request) (int, string) {
	if c.cfg.token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(c.cfg.token)) != 1 {
			return http.StatusUnauthorized, "collector: missing or wrong bearer token"
		}
		return http.StatusOK, ""
	}
	if c.cfg.allowRemote || isLoopback(r.RemoteAddr) {
		return http.StatusOK, ""
	}
	return http.StatusForbidden, "collector: remote clients need a bearer token (WithToken) or WithAllowRemote"
}

// isLoopback reports whether a RemoteAddr ("host:port") is a loopback address.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// bundleParams parses the query of a bundle request.
func (c *Collector) bundleParams(r *http.Request) (CaptureRequest, error) {
	q := r.URL.Query()
	req := CaptureRequest{Seconds: min(DefaultSeconds, c.cfg.maxSeconds)}
	if s := q.Get("seconds"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return req, fmt.Errorf("%w: seconds=%q: want a number ≥ 0", ErrBadRequest, s)
		}
		req.Seconds = v
	}
	if s := q.Get("ms"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return req, fmt.Errorf("%w: ms=%q: want an integer ≥ 0", ErrBadRequest, s)
		}
		req.Seconds = float64(v) / 1000
	}
	if req.Seconds > c.cfg.maxSeconds {
		return req, fmt.Errorf("%w: seconds %v exceeds the limit of %v", ErrBadRequest, req.Seconds, c.cfg.maxSeconds)
	}
	if q.Has("include") {
		parts, err := ParseParts(q.Get("include"))
		if err != nil {
			return req, err
		}
		req.Include = parts
		if req.Include == nil {
			req.Include = []Part{}
		}
	}
	switch q.Get("full") {
	case "", "0", "false":
	case "1", "true":
		req.Full = true
	default:
		return req, fmt.Errorf("%w: full=%q: want 0 or 1", ErrBadRequest, q.Get("full"))
	}
	return req, nil
}

func (c *Collector) serveBundle(w http.ResponseWriter, r *http.Request) {
	req, err := c.bundleParams(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.Full && !c.cfg.remoteFull && (c.cfg.token != "" || !isLoopback(r.RemoteAddr)) {
		http.Error(w, "collector: full=1 (a stop-the-world dump) is refused for token and remote clients unless WithRemoteFullDump", http.StatusForbidden)
		return
	}
	// The finished bundle waits in memory for its client; at most
	// maxPendingSends of them.
	sendDeadline := time.Now().Add(c.cfg.maxCapture + c.cfg.maxCapture)
	st, ok := c.sends.acquire(sendDeadline)
	if !ok {
		w.Header().Set("Retry-After", c.retryAfter(time.Now()))
		http.Error(w, fmt.Sprintf("%v: %d bundles are still being sent", ErrBusy, maxPendingSends), http.StatusTooManyRequests)
		return
	}
	defer st.release()
	// A server WriteTimeout shorter than the window would cut the bundle.
	_ = http.NewResponseController(w).SetWriteDeadline(sendDeadline)
	// Headers go out once the capture holds the slot, so that a refused
	// capture can still answer with an error status and the client learns
	// at once that a long window has started. The bundle itself is
	// spooled, so the client's pace never holds the capture slot.
	started := false
	var sp spoolWriter
	_, err = c.capture(r.Context(), &sp, req, c.cfg.maxBundleBytes, func() {
		started = true
		h := w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", `attachment; filename="`+bundleFileName(c.host, time.Now())+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		_ = http.NewResponseController(w).Flush()
	})
	switch {
	case started:
		// Once the status is out the manifest records what an aborted
		// capture missed. The slot is free: send within WithMaxCaptureDuration.
		st.data = sp.Bytes()
		sp = spoolWriter{}
		if err := c.send(w, st, time.Now().Add(c.cfg.maxCapture)); err != nil {
			c.report(err)
		}
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", c.retryAfter(time.Now()))
		http.Error(w, err.Error(), http.StatusTooManyRequests)
	case errors.Is(err, ErrBadRequest):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, ErrClosed):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// bundleFileName is gdiag-<host>-<UTC time>.gdiag with the host reduced to
// characters safe in a header and a file name.
func bundleFileName(host string, t time.Time) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, host)
	if safe == "" {
		safe = "unknown"
	}
	return bundlePrefix + safe + "-" + t.UTC().Format("20060102T150405Z") + bundleSuffix
}

func (c *Collector) serveHistory(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if s := r.URL.Query().Get("seconds"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			http.Error(w, fmt.Sprintf("collector: seconds=%q: want a number > 0", s), http.StatusBadRequest)
			return
		}
		since = time.Now().Add(-time.Duration(v * float64(time.Second)))
	}
	c.writeHistory(w, r, since)
}

// indexState is what the index page shows.
type indexState struct {
	Host          string
	PID           int
	GoVersion     string
	Goroutines    int
	HeapLive      uint64
	HeapGoal      uint64
	GCCPUPercent  float64
	Interval      time.Duration
	Settings      bundle.Settings
	Samples       int
	Watching      bool
	FlightRunning bool
	Parts         []Part
	LeakWatch     bool
	LeakSummary   string
}

// indexHTML is the index page, filled by writeIndex with values escaped by
// html.EscapeString (the collector links no template engine: services that
// embed it should not pay for html/template).
const indexHTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gdiag collector</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em 1em;text-align:left}code{background:#eee}</style></head>
<body><h1>gdiag collector</h1>
<p>%[1]s pid %[2]s, %[3]s</p>
<h2>Live state</h2>
<table>
<tr><th>goroutines</th><td>%[4]s</td></tr>
<tr><th>heap live / goal</th><td>%[5]s / %[6]s bytes</td></tr>
<tr><th>GC CPU (last %[7]s)</th><td>%[8]s %%</td></tr>
<tr><th>GOGC</th><td>%[9]s (%[10]s)</td></tr>
<tr><th>GOMEMLIMIT</th><td>%[11]s (%[12]s)</td></tr>
<tr><th>GOMAXPROCS</th><td>%[13]s (%[14]s)</td></tr>
<tr><th>metrics history</th><td>%[15]s samples</td></tr>
<tr><th>flight recorder</th><td>%[16]s</td></tr>
<tr><th>watcher</th><td>%[17]s</td></tr>
</table>
<h2>Leak watch</h2>
%[19]s
<h2>Endpoints</h2>
<ul>
<li><a href="bundle?seconds=5">bundle?seconds=5</a> — download a bundle (.gdiag zip). Parameters:
 <code>seconds</code> (CPU and wall-clock window, default 5), <code>ms</code> (the same in milliseconds),
 <code>include</code> (comma-separated: %[18]s),
 <code>full=1</code> (full goroutine dump even above the stop-the-world budget).</li>
<li><a href="history">history</a> — metrics history as JSON; <code>seconds</code> keeps the last N seconds.</li>
</ul>
<p>Analyze a bundle with <code>gdiag analyze FILE</code>.</p>
</body></html>
`

// writeIndex writes the index page for st.
func writeIndex(w io.Writer, st indexState) error {
	esc := func(v any) string { return html.EscapeString(fmt.Sprint(v)) }
	onOff := func(b bool, on string) string {
		if b {
			return on
		}
		return "off"
	}
	leak := `<p>off: add <code>collector.WithLeakWatch(w)</code> with a <code>leakwatch.Watch</code> to judge goroutine leaks live.</p>`
	if st.LeakWatch {
		leak = "<p>" + esc(st.LeakSummary) + `</p>
<p><a href="leaks">leaks</a> — the current verdicts as JSON (the contract of <code>gdiag analyze --format json</code>);
 <code>verdict=active</code> lists every site.</p>`
	}
	parts := make([]string, len(st.Parts))
	for i, p := range st.Parts {
		parts[i] = esc(p)
	}
	_, err := fmt.Fprintf(w, indexHTML,
		esc(st.Host), esc(st.PID), esc(st.GoVersion),
		esc(st.Goroutines), esc(st.HeapLive), esc(st.HeapGoal),
		esc(st.Interval), esc(fmt.Sprintf("%.2f", st.GCCPUPercent)),
		esc(st.Settings.GOGC.Value), esc(st.Settings.GOGC.Source),
		esc(st.Settings.GOMEMLIMIT.Value), esc(st.Settings.GOMEMLIMIT.Source),
		esc(st.Settings.GOMAXPROCS.Value), esc(st.Settings.GOMAXPROCS.Source),
		esc(st.Samples), onOff(st.FlightRunning, "running"), onOff(st.Watching, "on"),
		strings.Join(parts, ", "), leak)
	return err
}

func (c *Collector) serveIndex(w http.ResponseWriter, r *http.Request) {
	cur, prev, _, ok2 := c.ring.last()
	st := indexState{
		Host: c.host, PID: c.pid, GoVersion: runtime.Version(),
		Goroutines: runtime.NumGoroutine(), HeapLive: cur.HeapLiveBytes, HeapGoal: cur.HeapGoalBytes,
		Interval: c.cfg.interval, Samples: c.ring.len(),
		Watching: c.watch != nil, FlightRunning: c.flight != nil, Parts: AllParts(),
		LeakWatch: c.cfg.leakWatch != nil,
	}
	if st.LeakWatch {
		st.LeakSummary = c.cfg.leakWatch.Summary()
	}
	if ok2 {
		st.GCCPUPercent = gcCPUPercent(prev, cur)
	}
	cg, _ := readCgroup(os.DirFS("/")) // errors reach the error handler at capture time
	st.Settings = settings(os.LookupEnv, readSettings(), cg)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := writeIndex(w, st); err != nil {
		c.report(fmt.Errorf("collector: index: %w", err))
	}
}
