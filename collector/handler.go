package collector

import (
	"context"
	"crypto/subtle"
	"fmt"
	"math"
	"net"
	"net/http"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
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
	endpoint, known := match(r.URL.Path)
	if known {
		w.Header().Set(HeaderCollector, mountPath(r, endpoint))
	} else {
		w.Header().Set(HeaderCollector, guessMount(r))
	}
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
	switch {
	case !known:
		c.serveNotFound(w, r)
	case endpoint == endpointBundle:
		if r.Method != http.MethodGet { // a HEAD must not start a capture
			w.Header().Set("Allow", "GET")
			http.Error(w, "collector: bundle needs GET", http.StatusMethodNotAllowed)
			return
		}
		c.serveBundle(w, r)
	case endpoint == endpointHistory:
		c.serveHistory(w, r)
	case endpoint == endpointLeaks:
		if c.cfg.leakWatch == nil {
			http.Error(w, "collector: no live leak watch (collector.WithLeakWatch)", http.StatusNotFound)
			return
		}
		c.cfg.leakWatch.ServeHTTP(w, r)
	case endpoint == endpointMetrics:
		// Prometheus users expect the exposition format at /metrics; the
		// JSON history moved so that nobody scrapes it by mistake.
		http.Error(w, "collector: the JSON metrics history moved to history; for Prometheus register collector/promexport in your registry", http.StatusNotFound)
	case endpoint == endpointIndex || endpoint == endpointPprof:
		c.serveIndex(w, r, mountPath(r, endpoint))
	case strings.HasPrefix(endpoint, pprofPrefix):
		c.serveProfile(w, r, strings.TrimPrefix(endpoint, pprofPrefix))
	}
}

// serveNotFound answers a path that names no endpoint with the list of
// those that exist; a path without a trailing slash may be the mount point
// itself (routers such as chi pass "/debug/gdiag" on), so it links to the
// index below it.
func (c *Collector) serveNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "collector: no endpoint %q; the endpoints, relative to the mount point, are: (index)/, %s\n",
		r.URL.Path, strings.Join(endpoints(), ", "))
	if !strings.HasSuffix(r.URL.Path, "/") {
		fmt.Fprintf(w, "if %s is the mount point, the index is at %s/\n", r.URL.Path, r.URL.Path)
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
	if started {
		// Once the status is out the manifest records what an aborted
		// capture missed. The slot is free: send within WithMaxCaptureDuration.
		st.data = sp.Bytes()
		sp = spoolWriter{}
		if err := c.send(w, st, time.Now().Add(c.cfg.maxCapture)); err != nil {
			c.report(err)
		}
		return
	}
	if err != nil {
		c.refuse(w, err)
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
		since = c.cfg.clock.Now().Add(-time.Duration(v * float64(time.Second)))
	}
	c.writeHistory(w, r, since)
}
