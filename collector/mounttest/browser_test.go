package mounttest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/gdiag/gdiag/collector"
)

// chromium finds the browser; in CI (CI=true) its absence fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found and CI=true: .ci/run installs it (apt-get install -y chromium)")
	}
	t.Skip("chromium not found: apt-get install -y chromium to run the browser test")
	return ""
}

// TestIndexPageInChromium loads the index page of a collector with some
// metrics history in headless Chromium: no console errors or exceptions,
// no request leaves the page's own URL, and the four charts are drawn.
func TestIndexPageInChromium(t *testing.T) {
	exe := chromium(t)
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

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	var mu sync.Mutex
	var problems, requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console "+string(e.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *network.EventLoadingFailed:
			problems = append(problems, "loading failed: "+e.ErrorText)
		}
	}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	url := ts.URL + "/debug/gdiag/"
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("chromium: network.enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("chromium: runtime.enable: %v", err)
	}
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
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("browser problems: %q", problems)
	}
	if len(requests) == 0 {
		t.Error("no network request seen: the event listener does not work, so the checks below prove nothing")
	}
	for _, r := range requests {
		if r != url {
			t.Errorf("page requested %s; it must load nothing besides itself", r)
		}
	}
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
