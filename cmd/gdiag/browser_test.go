package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gdiag/gdiag/internal/browsertest"
)

// artefacts is where the browser test leaves its pages and screenshots:
// $GDIAG_ARTIFACTS when set, else the test's temporary directory.
func artefacts(t *testing.T) string {
	if d := os.Getenv("GDIAG_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestHTMLReportInBrowser renders three real reports: the demo's (the
// flash-sale service with every fault, captured over loopback: metrics
// history, leaks, heap), a diff of three bundles of a leaking program
// (leaks/testdata/series-*.gdiag: leak-site growth, no metrics history) and
// a loose goroutine text dump (no charts at all). It opens each in headless
// Chromium at 1280×800 and checks that nothing but the file is requested,
// nothing is logged as an error, every chart drew all its series, the table
// of contents scrolls to each section and the findings collapse and expand;
// it saves screenshots of the first screen and of the whole page.
func TestHTMLReportInBrowser(t *testing.T) {
	dir := artefacts(t)
	// The reports come from the gdiag binary, not from run() in this
	// process: the demo's load would raise this process's peak RSS, which
	// children forked later (TestHostileCorpus's) inherit in ru_maxrss.
	bin := gdiagBinary(t)
	t0 := time.Now()

	code, demoHTML, stderr := runBinary(t, bin, "demo", "--duration", "3s", "--seconds", "0.5", "--concurrency", "4", "--dir", t.TempDir(), "--format", "html")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	t.Logf("demo report in %v", time.Since(t0))
	checkDemoCharts(t, demoHTML)
	series := []string{"../../leaks/testdata/series-1.gdiag", "../../leaks/testdata/series-2.gdiag", "../../leaks/testdata/series-3.gdiag"}
	code, diffHTML, stderr := runBinary(t, bin, append([]string{"diff", "--format", "html"}, series...)...)
	if code != exitOK {
		t.Fatalf("diff: exit %d\n%s", code, stderr)
	}
	code, textHTML, stderr := runBinary(t, bin, "analyze", "--format", "html", "../../leaks/testdata/handlerleak.txt")
	if code != exitOK {
		t.Fatalf("analyze: exit %d\n%s", code, stderr)
	}

	t.Logf("diff and text reports in %v", time.Since(t0))
	bctx := browsertest.Start(t, 1280, 800, 90*time.Second)

	for _, page := range []struct {
		name, html string
		charts     []string // chart ids, in page order
		heap       bool     // the heap-sites bars
	}{
		{"demo", demoHTML, []string{"goroutines", "leak-growth", "memory", "gc-cpu", "latency"}, true},
		{"diff", diffHTML, []string{"leak-growth"}, false},
		{"text-dump", textHTML, nil, false},
	} {
		t.Run(page.name, func(t *testing.T) {
			path := filepath.Join(dir, "gdiag-"+page.name+".html")
			if err := os.WriteFile(path, []byte(page.html), 0o644); err != nil {
				t.Fatal(err)
			}
			checkReportPage(t, bctx, path, page.charts, page.heap)
		})
	}
}

func checkReportPage(t *testing.T, bctx context.Context, path string, wantCharts []string, heap bool) {
	tab := browsertest.Open(t, bctx)
	ctx := tab.Ctx
	url := "file://" + path
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(url), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("chromium: %v", err)
	}

	// Every chart drew every series (uPlot's drawSeries hook counts them).
	type chart struct {
		ID     string `json:"id"`
		Series int    `json:"series"`
		Drawn  int    `json:"drawn"`
		Points int    `json:"points"`
		Width  int    `json:"width"`
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chart](`window.gdiagCharts()`))
	if err != nil {
		t.Fatalf("gdiagCharts: %v", err)
	}
	var ids []string
	for _, c := range charts {
		ids = append(ids, c.ID)
		if c.Series == 0 || c.Drawn != c.Series || c.Points < 2 || c.Width < 300 {
			t.Errorf("chart %s: drew %d of %d series over %d points, %d px wide", c.ID, c.Drawn, c.Series, c.Points, c.Width)
		}
	}
	if !slices.Equal(ids, wantCharts) {
		t.Errorf("charts %q, want %q", ids, wantCharts)
	}
	canvases, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#charts canvas")].filter(c => c.width > 0 && c.height > 0).length`))
	if err != nil {
		t.Fatal(err)
	}
	if canvases != len(wantCharts) {
		t.Errorf("%d chart canvases, want %d", canvases, len(wantCharts))
	}
	if len(wantCharts) == 0 {
		text, err := chromedp.Run(ctx, chromedp.Text("#charts"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "No charts:") || !strings.Contains(text, "no runtime/metrics history") {
			t.Errorf("chart section without charts says %q, not why", text)
		}
	}
	heapBars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#heap-bars li").length`))
	if err != nil {
		t.Fatal(err)
	}
	if heap != (heapBars > 0) {
		t.Errorf("%d heap-site bars, want them: %v", heapBars, heap)
	}

	// The first screen: the summary and the first row of charts are in it.
	if len(wantCharts) > 0 {
		top, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("#charts .panel").getBoundingClientRect().bottom`))
		if err != nil {
			t.Fatal(err)
		}
		if top > 800 {
			t.Errorf("the first chart ends at %.0f px: below the first screen", top)
		}
	}
	shot(t, ctx, strings.TrimSuffix(path, ".html")+"-first-screen.png", false)

	// Each table-of-contents link scrolls its section to the top of the
	// window, under the sticky header (or as far as the page goes).
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const bad = [];
		const header = document.querySelector("header.top").getBoundingClientRect().height;
		const links = [...document.querySelectorAll("nav#toc a")];
		if (links.length < 3) bad.push("only " + links.length + " links");
		for (const a of links) {
			window.scrollTo(0, 0);
			a.click();
			const id = a.getAttribute("href").slice(1);
			const el = document.getElementById(id);
			if (!el) { bad.push(id + ": no such element"); continue; }
			const top = el.getBoundingClientRect().top;
			const atEnd = Math.ceil(window.scrollY + window.innerHeight) >= document.documentElement.scrollHeight - 1;
			if (location.hash !== "#" + id || top < header - 2 || (top > header + 60 && !atEnd)) {
				bad.push(id + ": top " + Math.round(top) + " px, header " + Math.round(header) + " px, hash " + location.hash);
			}
		}
		return bad;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("table of contents: %s", b)
	}

	// Findings are one line each until opened; "expand all" opens them.
	if strings.Contains(path, "text-dump") || len(wantCharts) > 0 {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
			const out = [];
			const ds = [...document.querySelectorAll("details.finding")];
			if (ds.length === 0) return ["no findings"];
			if (ds.some(d => d.open)) out.push("a finding is open at load");
			const line = ds[0].getBoundingClientRect().height;
			if (line > 40) out.push("a closed finding is " + Math.round(line) + " px high");
			ds[0].querySelector("summary").click();
			if (!ds[0].open || ds[0].querySelector(".body").getBoundingClientRect().height < 20) out.push("clicking a finding does not open it");
			ds[0].querySelector("summary").click();
			if (ds[0].open) out.push("clicking an open finding does not close it");
			const toggle = document.querySelector("button.toggle");
			toggle.click();
			if (!ds.every(d => d.open)) out.push("expand all left some closed");
			toggle.click();
			if (ds.some(d => d.open)) out.push("collapse all left some open");
			const act = document.querySelector(".actions a");
			if (act) {
				act.click();
				const target = document.getElementById(act.getAttribute("href").slice(1));
				if (!target || !target.open) out.push("the link of a thing to do does not open its finding");
			}
			return out;
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			t.Errorf("findings: %s", g)
		}
	}
	// The findings and the heap sites as a reader scrolls to them.
	for _, id := range []string{"findings", "section-heap-sites"} {
		found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const el = document.getElementById("`+id+`"); if (!el) return false; window.scrollTo(0, 0); el.scrollIntoView(); return true; })()`))
		if err != nil {
			t.Fatal(err)
		}
		if found {
			shot(t, ctx, strings.TrimSuffix(path, ".html")+"-"+id+".png", false)
		}
	}
	shot(t, ctx, strings.TrimSuffix(path, ".html")+"-full.png", true)

	tab.CheckSelfContained(t, url)
}

// runBinary runs the gdiag binary with args and returns its exit code and
// output.
func runBinary(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("gdiag %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errb.String()
}

// shot saves a screenshot of the window (or the whole page) and logs where.
func shot(t *testing.T, ctx context.Context, path string, full bool) {
	t.Helper()
	var png []byte
	var err error
	if full {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	} else {
		png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	}
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// checkDemoCharts reads the chart data of the demo's page and checks that it
// shows what happened: goroutines climbing with the load, every leak site's
// goroutines accumulating (never falling, ending above where they started),
// and the memory chart with its measured series.
func checkDemoCharts(t *testing.T, page string) {
	t.Helper()
	_, rest, ok := strings.Cut(page, `<script type="application/json" id="gdiag-data">`)
	block, _, ok2 := strings.Cut(rest, "</script>")
	if !ok || !ok2 {
		t.Fatal("demo page has no chart data block")
	}
	var data struct {
		Charts []struct {
			ID     string
			Series []struct {
				Name   string
				Values []*float64
			}
		}
	}
	if err := json.Unmarshal([]byte(block), &data); err != nil {
		t.Fatalf("chart data: %v", err)
	}
	known := func(vs []*float64) []float64 {
		var out []float64
		for _, v := range vs {
			if v != nil {
				out = append(out, *v)
			}
		}
		return out
	}
	for _, c := range data.Charts {
		var names []string
		for _, s := range c.Series {
			names = append(names, s.Name)
		}
		switch c.ID {
		case "goroutines":
			v := known(c.Series[0].Values)
			if c.Series[0].Name != "total" || len(v) < 5 || slices.Max(v) < 3*v[0] {
				t.Errorf("goroutines chart %q: total %v does not show the load's climb", names, v)
			}
		case "leak-growth":
			if len(c.Series) < 3 {
				t.Errorf("leak-growth chart has %d sites (%q), want the fixture's three", len(c.Series), names)
			}
			for _, s := range c.Series {
				v := known(s.Values)
				if len(v) < 3 || !slices.IsSorted(v) || v[len(v)-1] <= v[0] {
					t.Errorf("leak site %s: %v, want a growing count", s.Name, v)
				}
			}
		case "memory":
			for _, want := range []string{"heap live", "heap goal", "Go runtime total", "RSS at capture"} {
				if !slices.Contains(names, want) {
					t.Errorf("memory chart %q lacks %q", names, want)
				}
			}
		}
	}
}
