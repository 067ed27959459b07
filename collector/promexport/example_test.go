package promexport_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/collector/leakwatch"
	"github.com/gdiag/gdiag/collector/promexport"
)

// The lines a service adds: the live leak watch, run by the collector,
// its verdicts at /debug/gdiag/leaks, and the Prometheus exporter in the
// service's registry next to client_golang's Go collector.
func Example() {
	w, err := leakwatch.New(leakwatch.Options{}) // 30 s snapshots, ≤ 1% of a core
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := collector.New(collector.WithLeakWatch(w))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	e, err := promexport.New(promexport.Options{Watch: w, Collector: c})
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(e, collectors.NewGoCollector())

	mux := http.NewServeMux()
	mux.Handle("/debug/gdiag/", c.Handler())
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	// What a scrape and a look at the verdicts see, once the first
	// snapshot (taken when the collector starts) is in.
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for deadline := time.Now().Add(10 * time.Second); w.State().Stats.Snapshots == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	for _, path := range []string{"/metrics", "/debug/gdiag/leaks"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
		fmt.Println(path, resp.StatusCode, ct)
		for _, want := range []string{`gdiag_leak_goroutines{verdict="likely-leak"}`, "go_goroutines", `"title": "gdiag live leak watch"`} {
			if strings.Contains(string(body), want) {
				fmt.Println("  has", want)
			}
		}
	}
	http.DefaultClient.CloseIdleConnections()
	// Output:
	// /metrics 200 text/plain
	//   has gdiag_leak_goroutines{verdict="likely-leak"}
	//   has go_goroutines
	// /debug/gdiag/leaks 200 application/json
	//   has "title": "gdiag live leak watch"
}
