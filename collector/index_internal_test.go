package collector

import (
	"fmt"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// countingCgroupReads returns a collector on a fake clock with a 1 s
// metrics interval whose cgroup reads are counted.
func countingCgroupReads(t *testing.T) (*Collector, *FakeClock, *int) {
	t.Helper()
	clk := NewFakeClock(time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC))
	c, err := New(WithClock(clk), WithMetricsInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	reads := new(int)
	read := c.cgroups.read
	c.cgroups.read = func() (*bundle.Cgroup, error) { *reads++; return read() }
	return c, clk, reads
}

// TestIndexIsCheap: reloading the index page reads the cgroup files at most
// once per metrics interval, and takes GOGC from the sampler's newest
// sample instead of reading the runtime again.
func TestIndexIsCheap(t *testing.T) {
	c, clk, reads := countingCgroupReads(t)
	page := func() string {
		t.Helper()
		w := httptest.NewRecorder()
		c.serveIndex(w, httptest.NewRequest("GET", "/debug/gdiag/", nil), "/debug/gdiag/")
		if w.Code != 200 {
			t.Fatalf("index: %d %s", w.Code, w.Body)
		}
		return w.Body.String()
	}
	for range 5 {
		page()
	}
	if *reads != 1 {
		t.Errorf("5 loads within one interval read the cgroup %d times, want 1", *reads)
	}
	if err := clk.Advance(999 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	page()
	if *reads != 1 {
		t.Errorf("a load 999 ms later read the cgroup again (%d reads)", *reads)
	}

	// The next sample carries a new GOGC; the page shows it, and the cgroup
	// is read again since the cached read is an interval old.
	old := debug.SetGCPercent(137)
	defer debug.SetGCPercent(old)
	if err := clk.Advance(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Advance returns once the sampler took the tick; the sample lands
	// in the ring right after.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		if cur, _, _, _ := c.ring.last(); cur.GOGC == 137 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sample with GOGC 137 within a minute of the tick")
		}
	}
	body := page()
	if *reads != 2 {
		t.Errorf("a load one interval later: %d cgroup reads, want 2", *reads)
	}
	if want := fmt.Sprintf("<tr><th>GOGC</th><td>%s</td>", "137 %"); !strings.Contains(body, want) {
		t.Errorf("index does not show %q", want)
	}
}

// TestLiveSharesTheCgroupRead: Live, which promexport calls on every
// scrape, reads the cgroup at most once per metrics interval, like the
// index page.
func TestLiveSharesTheCgroupRead(t *testing.T) {
	c, clk, reads := countingCgroupReads(t)
	for range 10 {
		c.Live()
	}
	if *reads != 1 {
		t.Errorf("10 scrapes within one interval read the cgroup %d times, want 1", *reads)
	}
	if err := clk.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	c.Live()
	if *reads != 2 {
		t.Errorf("a scrape an interval later: %d reads, want 2", *reads)
	}
}
