package mounttest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gdiag/gdiag/collector"
	"github.com/gdiag/gdiag/internal/browsertest"
)

// TestIndexPageInChromium loads the index page of a collector with some
// metrics history in headless Chromium: no console errors or exceptions,
// no request leaves the page's own URL, and the four charts are drawn.
func TestIndexPageInChromium(t *testing.T) {
	c, err := collector.New(collector.WithMetricsInterval(10 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Wait for a few samples by watching the history, not the clock.
	for deadline := time.Now().Add(10 * time.Second); len(c.History(time.Time{}).Samples) < 5; {
		if time.Now().After(deadline) {
			t.Fatal("no metrics samples after 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	m := http.NewServeMux()
	m.Handle("/debug/gdiag/", c.Handler())
	ts := httptest.NewServer(m)
	defer ts.Close()

	tab := browsertest.Open(t, browsertest.Start(t, 1280, 800, 60*time.Second))
	ctx := tab.Ctx
	url := ts.URL + "/debug/gdiag/"
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart").length`))
	if err != nil {
		t.Fatal(err)
	}
	// A drawn line has points spread over most of the plot's width.
	lines, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("svg.chart polyline")].filter(p => p.points.numberOfItems > 1 && p.getBBox().width > 100).length`))
	if err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("body"))
	if err != nil {
		t.Fatal(err)
	}
	tab.CheckSelfContained(t, url)
	if !strings.HasPrefix(title, "gdiag collector") {
		t.Errorf("title %q", title)
	}
	if charts != 4 || lines < 6 { // goroutines, heap live+goal, GC CPU, sched p50+p99
		t.Errorf("charts: %d svg charts, %d drawn lines; want 4 and 6", charts, lines)
	}
	for _, want := range []string{"MiB", "no limit", "pprof/delta_heap", "mutex sampling"} {
		if !strings.Contains(text, want) {
			t.Errorf("page text lacks %q", want)
		}
	}
}
