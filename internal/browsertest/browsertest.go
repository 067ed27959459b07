package browsertest

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium returns the path of the browser. Without one the test fails in
// CI (CI=true: .ci/run installs it) and is skipped elsewhere, saying how to
// install it.
func Chromium(t testing.TB) string {
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

// Start starts headless Chromium (found by Chromium) with a fresh profile,
// no background networking and a width×height window, and returns the
// browser's context: bounded by timeout, closed when the test ends.
func Start(t testing.TB, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	exe := Chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(width, height),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	bctx, cancelT := context.WithTimeout(bctx, timeout)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatalf("chromium: %v", err)
	}
	return bctx
}

// Tab is a browser tab that records the console errors and warnings,
// exceptions and failed loads of its page (Problems) and every request it
// sends (Requests).
type Tab struct {
	// Ctx drives the tab with chromedp.
	Ctx context.Context

	mu                 sync.Mutex
	problems, requests []string
}

// Open opens a tab in the browser of Start, listening to its console and
// network before anything loads; it is closed when the test ends.
func Open(t testing.TB, browser context.Context) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	tab := &Tab{Ctx: ctx}
	if err := chromedp.Listen(ctx, func(ev any) {
		tab.mu.Lock()
		defer tab.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				tab.problems = append(tab.problems, "console "+string(e.Type))
			}
		case *runtime.EventExceptionThrown:
			tab.problems = append(tab.problems, "exception: "+e.ExceptionDetails.Text)
		case *network.EventRequestWillBeSent:
			tab.requests = append(tab.requests, e.Request.URL)
		case *network.EventLoadingFailed:
			tab.problems = append(tab.problems, "loading failed: "+e.ErrorText)
		}
	}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("chromium: network.enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("chromium: runtime.enable: %v", err)
	}
	return tab
}

// CheckSelfContained requires that the page logged no error or warning,
// threw nothing, and requested nothing but url (and at least that: a tab
// that saw no request proves nothing).
func (tab *Tab) CheckSelfContained(t testing.TB, url string) {
	t.Helper()
	tab.mu.Lock()
	defer tab.mu.Unlock()
	if len(tab.problems) > 0 {
		t.Errorf("browser problems: %q", tab.problems)
	}
	if len(tab.requests) == 0 {
		t.Error("no network request seen: the event listener does not work, so the check proves nothing")
	}
	for _, r := range tab.requests {
		if r != url {
			t.Errorf("page requested %s; it must load nothing besides itself", r)
		}
	}
}
