package analyzer

import (
	"bytes"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/report"
)

// chartLeakBlock is where the test leaks its goroutines: nobody sends.
func chartLeakBlock(ch chan int) { <-ch }

// TestChartsFromCollectorBundle runs a collector sampling every 10 ms while
// the test leaks two goroutines per sample at one site, captures a bundle
// over loopback and analyzes it: the metrics-history section charts the
// real history, and the leak-growth chart dates the leaked goroutines by
// their ids against /sched/goroutines-created: a count that rises with the
// samples and ends at the number leaked.
func TestChartsFromCollectorBundle(t *testing.T) {
	c, err := collector.New(collector.WithMetricsInterval(10 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	never := make(chan int)
	defer close(never) // releases the leaked goroutines at the end
	const steps, perStep = 20, 2
	for i := 0; i < steps; i++ {
		n := len(c.History(time.Time{}).Samples)
		for range perStep {
			go chartLeakBlock(never)
		}
		// The next sample sees them: pace by the history, not the clock.
		for deadline := time.Now().Add(10 * time.Second); len(c.History(time.Time{}).Samples) <= n; {
			if time.Now().After(deadline) {
				t.Fatal("no new metrics sample after 10 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/gdiag/", c.Handler())
	in := captureOverLoopback(t, mux, "charts.gdiag", "seconds=0&full=1")
	r := Analyze([]*Input{in}, Options{})

	charts := map[string]report.Chart{}
	for _, s := range r.Sections {
		for _, ch := range s.Charts {
			charts[s.ID+"/"+ch.ID] = ch
			if !slices.IsSorted(ch.X) || len(ch.X) < 2 {
				t.Errorf("%s/%s: x %v not increasing", s.ID, ch.ID, ch.X)
			}
			for _, se := range ch.Series {
				if len(se.Values) != len(ch.X) {
					t.Errorf("%s/%s: series %q has %d values for %d x", s.ID, ch.ID, se.Name, len(se.Values), len(ch.X))
				}
			}
		}
	}
	for _, id := range []string{"metrics-history/goroutines", "metrics-history/memory", "metrics-history/gc-cpu", "metrics-history/latency", "leaks/leak-growth"} {
		if _, ok := charts[id]; !ok {
			t.Errorf("no chart %s (have %v)", id, slices.Sorted(maps.Keys(charts)))
		}
	}
	g := charts["metrics-history/goroutines"]
	if len(g.Series) == 0 || g.Series[0].Name != "total" || slices.Max(g.Series[0].Values) < steps*perStep {
		t.Errorf("goroutines chart %+v does not count the %d leaked", g.Series, steps*perStep)
	}
	lg := charts["leaks/leak-growth"]
	var site *report.Series
	for i := range lg.Series {
		if lg.Series[i].Name == "analyzer.chartLeakBlock" {
			site = &lg.Series[i]
		}
	}
	if site == nil {
		t.Fatalf("leak-growth chart has no series for the test's leak: %+v (findings %+v)", lg.Series, r.Findings)
	}
	v := site.Values
	t.Logf("leak site by creation time: %v", v)
	if slices.ContainsFunc(v, math.IsNaN) || !slices.IsSorted(v) || v[len(v)-1] != steps*perStep {
		t.Errorf("leak site by creation time %v: want a rising count ending at %d", v, steps*perStep)
	}
	// Leaked over the history, not all at once: the count at its middle
	// sample is neither none nor all of them.
	if mid := v[len(v)/2]; mid <= perStep || mid >= steps*perStep-perStep {
		t.Errorf("leak site by creation time %v: the middle sample counts %v, want part of the %d", v, mid, steps*perStep)
	}
}

// captureOverLoopback serves mux on loopback, fetches
// /debug/gdiag/bundle?query from it and loads the bundle as name.
func captureOverLoopback(t *testing.T, mux *http.ServeMux, name, query string) *Input {
	t.Helper()
	ts := httptest.NewServer(mux)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(ts.URL + "/debug/gdiag/bundle?" + query)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("bundle: %s, %v", resp.Status, err)
	}
	in, err := LoadReader(name, bytes.NewReader(data), int64(len(data)), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return in
}
