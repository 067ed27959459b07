package collector

import (
	"net/http"
	"net/url"
	"strings"
)

// HeaderCollector is set on every answer of the handler (refusals and 404s
// included), so that a client can tell the collector's own "no such
// endpoint" from a router's 404 for a path the collector never saw. Its
// value is the mount path the collector derived from the request.
const HeaderCollector = "Gdiag-Collector"

// Endpoint names, relative to the mount point. The router matches the
// longest name that the request path ends with, after a "/" or at the
// start; so the handler needs to know neither its prefix nor whether a
// router or http.StripPrefix removed it.
const (
	endpointIndex   = ""
	endpointBundle  = "bundle"
	endpointHistory = "history"
	endpointLeaks   = "leaks"
	// endpointMetrics served the JSON history until December 2026; it now
	// answers 404 saying where the history went, because Prometheus users
	// expect the exposition format at /metrics.
	endpointMetrics = "metrics"
	endpointPprof   = "pprof/" // the pprof index is the collector's index
)

// pprofPrefix is the prefix of the scrape-compatible profile endpoints.
const pprofPrefix = "pprof/"

// endpoints lists every path the handler answers, relative to the mount,
// longest first within a family so that matching by suffix is unambiguous.
func endpoints() []string {
	out := []string{endpointBundle, endpointHistory, endpointLeaks, endpointMetrics, endpointPprof}
	for _, p := range scrapeProfiles() {
		out = append(out, pprofPrefix+p.name)
	}
	return out
}

// match splits a request path into the mount path (always ending in "/")
// and the endpoint. It reports false when the path names no endpoint.
//
// The path may be the whole request path ("/debug/gdiag/pprof/heap"), the
// part left by http.StripPrefix ("pprof/heap" or "/pprof/heap") or a
// router's rewrite of either: only the suffix decides.
func match(path string) (endpoint string, ok bool) {
	best, found := "", false
	for _, e := range endpoints() {
		if (path == e || path == "/"+e || strings.HasSuffix(path, "/"+e)) && len(e) >= len(best) {
			best, found = e, true
		}
	}
	if found {
		return best, true
	}
	if path == "" || strings.HasSuffix(path, "/") {
		return endpointIndex, true
	}
	return "", false
}

// mountPath is the absolute path of the mount point, derived from the path
// the client asked for (r.RequestURI, which neither http.StripPrefix nor
// routers rewrite) minus the endpoint. Links on the index page are built
// on it, so they work at any prefix and without a trailing slash.
func mountPath(r *http.Request, endpoint string) string {
	p := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.EscapedPath() != "" {
		p = u.EscapedPath()
	}
	p = strings.TrimSuffix(p, endpoint)
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// guessMount is the mount path for a request that names no endpoint: the
// path up to its last "/", less a trailing "pprof/".
func guessMount(r *http.Request) string {
	p := mountPath(r, "")
	p = strings.TrimSuffix(p, "/")
	p = p[:strings.LastIndexByte(p, '/')+1]
	return strings.TrimSuffix(p, pprofPrefix)
}
