package heap

import (
	"bytes"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/pool"
)

var defaultMemProfileRate = runtime.MemProfileRate

func TestMain(m *testing.M) {
	// Record every allocation so the workloads below show up exactly.
	runtime.MemProfileRate = 1
	os.Exit(m.Run())
}

// Workload state. Test-only globals: the retained site must really be
// retained, the others must really escape.
var (
	retainedBufs [][]byte
	growCache    = map[int][]byte{}
	sinkVary     []byte
	sinkSmall    *small
	workPool     *pool.Pool[*[]byte]
	wrapPool     *pool.Pool[*wrapped]
	sinkWrapped  *wrapped
)

// wrapped is made by a named constructor that the pool's New closure calls.
type wrapped struct{ _ [8 << 10]byte }

type small struct{ a, _, _ int64 }

// Lines of the allocation statements, recorded by the workloads themselves.
var lines struct {
	churn, retain, vary, tiny, pooled, cache, wrapped int
}

// callerLine returns the line it is called from. It does not allocate, so it
// adds no site of its own to the profiles.
//
//go:noinline
func callerLine() int {
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	_, line := runtime.FuncForPC(pcs[0] - 1).FileLine(pcs[0] - 1)
	return line
}

//go:noinline
func churnHandler(w http.ResponseWriter, r *http.Request) {
	buf, line := make([]byte, 64<<10), callerLine()
	lines.churn = line
	n := copy(buf, r.URL.Path)
	_, _ = w.Write(buf[:n])
}

//go:noinline
func retainBuf(i int) {
	b, line := make([]byte, 4096), callerLine()
	lines.retain = line
	b[0] = byte(i)
	retainedBufs = append(retainedBufs, b)
}

//go:noinline
func varySize(i int) {
	sizes := [...]int{100, 1_000, 10_000, 100_000, 1_000_000}
	b, line := make([]byte, sizes[i%len(sizes)]), callerLine()
	lines.vary = line
	sinkVary = b
}

//go:noinline
func allocSmall(i int) {
	s, line := &small{a: int64(i)}, callerLine()
	lines.tiny = line
	sinkSmall = s
}

//go:noinline
func newPooled() *[]byte {
	b := new([]byte)
	*b, lines.pooled = make([]byte, 32<<10), callerLine()
	return b
}

//go:noinline
func newWrapped() *wrapped {
	w, line := new(wrapped), callerLine()
	lines.wrapped = line
	return w
}

//go:noinline
func usePool(p *pool.Pool[*[]byte], n int) {
	held := make([]*[]byte, 0, n)
	for range n {
		held = append(held, p.Get())
	}
	for _, b := range held {
		p.Put(b)
	}
}

//go:noinline
func fillCache(i int) {
	b, line := make([]byte, 1024), callerLine()
	lines.cache = line
	growCache[i] = b
}

// workload runs every allocation pattern once and returns an allocs profile
// taken after a GC, a heap snapshot, and a second heap snapshot taken after a
// cache grew by 2000 × 1 KiB while the churn handler kept serving.
var workload = sync.OnceValues(func() (*fixture, error) {
	f := &fixture{}
	srv := httptest.NewServer(http.HandlerFunc(churnHandler))
	defer srv.Close()
	get := func(n int) error {
		for range n {
			resp, err := http.Get(srv.URL)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil
	}
	if err := get(200); err != nil {
		return nil, err
	}
	for i := range 1000 {
		retainBuf(i)
	}
	for i := range 40 {
		varySize(i)
	}
	var err error
	if workPool, err = pool.New("test-buffers", newPooled); err != nil {
		return nil, err
	}
	for range 2 {
		usePool(workPool, 50)
	}
	// A pool whose New closure calls a named constructor: the constructor,
	// not the closure, is the allocation site. Most Gets have no Put.
	if wrapPool, err = pool.New("test-wrapped", func() *wrapped { return newWrapped() }); err != nil {
		return nil, err
	}
	for i := range 60 {
		w := wrapPool.Get()
		sinkWrapped = w
		if i%4 == 0 {
			wrapPool.Put(w)
		}
	}
	for i := range 100_000 {
		allocSmall(i)
	}
	runtime.GC()
	if f.allocs, err = take("allocs"); err != nil {
		return nil, err
	}
	if f.before, err = take("heap"); err != nil {
		return nil, err
	}
	start := time.Now()
	for i := range 2000 {
		fillCache(i)
	}
	if err := get(100); err != nil {
		return nil, err
	}
	runtime.GC()
	f.elapsed = time.Since(start)
	if f.after, err = take("heap"); err != nil {
		return nil, err
	}
	// Back to the default rate once every profile is taken (the runtime
	// scales samples by the rate at write time), so the analysis under test
	// does not pay for recording each of its own allocations.
	runtime.MemProfileRate = defaultMemProfileRate
	return f, nil
})

type fixture struct {
	allocs, before, after *profile.Profile
	elapsed               time.Duration
}

func take(name string) (*profile.Profile, error) {
	var b bytes.Buffer
	if err := pprof.Lookup(name).WriteTo(&b, 0); err != nil {
		return nil, err
	}
	return profile.Parse(&b)
}

func mustWorkload(t *testing.T) *fixture {
	t.Helper()
	f, err := workload()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func findSite(h *HeapReport, fn string, line int) *Site {
	for i := range h.Sites {
		if s := &h.Sites[i]; strings.HasSuffix(s.Func, fn) && s.Line == line {
			return s
		}
	}
	return nil
}

func TestAnalyzeHeapSites(t *testing.T) {
	f := mustWorkload(t)
	h, err := AnalyzeHeap(nil, f.allocs, HeapOptions{Seconds: 10})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		fn            string
		line          int
		wantObjects   int64 // at least
		wantSize      int64 // median object size (size class)
		wantRetained  float64
		retainedExact bool
	}{
		{"churn", "heap.churnHandler", lines.churn, 200, 64 << 10, 0, false},
		{"retained", "heap.retainBuf", lines.retain, 1000, 4096, 1, true},
		{"tiny", "heap.allocSmall", lines.tiny, 100_000, 24, 0, false},
		// Pooled items may or may not have survived the GCs (victim cache): not checked.
		{"pooled", "heap.newPooled", lines.pooled, 50, 32 << 10, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := findSite(h, tt.fn, tt.line)
			if s == nil {
				t.Fatalf("no site %s line %d among %d sites", tt.fn, tt.line, len(h.Sites))
			}
			if !strings.HasSuffix(s.File, "heap_test.go") {
				t.Errorf("File = %q, want heap_test.go", s.File)
			}
			if s.AllocObjects < tt.wantObjects || s.SizeP50Bytes != tt.wantSize {
				t.Errorf("objects %d (want ≥ %d), median size %d (want %d)", s.AllocObjects, tt.wantObjects, s.SizeP50Bytes, tt.wantSize)
			}
			if got := s.RetainedRatio(false); tt.wantRetained >= 0 && (tt.retainedExact && got != tt.wantRetained) || (!tt.retainedExact && got > 0.05) {
				t.Errorf("RetainedRatio = %v, want %v", got, tt.wantRetained)
			}
			if want := float64(s.AllocBytes) / 10; s.AllocBytesPerSec != want {
				t.Errorf("AllocBytesPerSec = %v, want %v", s.AllocBytesPerSec, want)
			}
			// The full call path is kept, from the allocation to the root.
			p := s.Paths[0]
			if p.Frames[p.Site].Func != s.Func || len(p.Frames) <= p.Site+1 {
				t.Errorf("path %v: site frame %d is not %s or has no callers", p.Frames, p.Site, s.Func)
			}
		})
	}
	// The churn site is reached through net/http: the path shows the handler chain.
	churn := findSite(h, "heap.churnHandler", lines.churn)
	if !inRequestPath(churn.Paths[0]) {
		t.Errorf("churn path %v not recognised as a request path", churn.Paths[0].Frames)
	}
	vary := findSite(h, "heap.varySize", lines.vary)
	if vary == nil || vary.SizeP95Bytes/vary.SizeP5Bytes < 1000 {
		t.Fatalf("varySize site %+v: want a p95/p5 size spread ≥ 1000", vary)
	}
	// Totals add up and sites are ordered by allocated bytes.
	var sum int64
	for i, s := range h.Sites {
		sum += s.AllocBytes
		if i > 0 && s.AllocBytes > h.Sites[i-1].AllocBytes {
			t.Fatalf("sites out of order at %d", i)
		}
	}
	if sum != h.AllocBytes || h.SamplingRate != 1 {
		t.Errorf("sum of sites %d, total %d, sampling rate %d", sum, h.AllocBytes, h.SamplingRate)
	}
}

func TestAnalyzeHeapBothProfiles(t *testing.T) {
	f := mustWorkload(t)
	// In-use counts from the later heap snapshot, allocations from the allocs profile.
	h, err := AnalyzeHeap(f.after, f.allocs, HeapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := findSite(h, "heap.fillCache", lines.cache)
	if s == nil || s.AllocBytes != 0 || s.InuseBytes < 2000*1024 {
		t.Fatalf("fillCache site %+v: want in-use from heap (≥ 2000 KiB) and no allocs (allocs profile predates it)", s)
	}
}

func TestWrongProfileType(t *testing.T) {
	f := mustWorkload(t)
	goroutine, err := take("goroutine")
	if err != nil {
		t.Fatal(err)
	}
	mutex, err := take("mutex")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		give     func() error
		want     string
		notHeapE bool
	}{
		{"goroutine as heap", func() error { _, err := AnalyzeHeap(goroutine, nil, HeapOptions{}); return err },
			"heap: heap profile: sample types [goroutine/count]", true},
		{"mutex as allocs", func() error { _, err := AnalyzeHeap(nil, mutex, HeapOptions{}); return err },
			"heap: allocs profile: sample types [contentions/count delay/nanoseconds]", true},
		{"goroutine as diff after", func() error { _, err := DiffHeap(f.before, goroutine, 0, HeapOptions{}); return err },
			"heap: after profile", true},
		{"no profile", func() error { _, err := AnalyzeHeap(nil, nil, HeapOptions{}); return err },
			"heap: AnalyzeHeap: no profile", false},
		{"swapped snapshots", func() error { _, err := DiffHeap(f.after, f.before, 0, HeapOptions{}); return err },
			"heap: DiffHeap: allocated bytes went backwards", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, ErrNotHeapProfile) != tt.notHeapE {
				t.Errorf("errors.Is(err, ErrNotHeapProfile) = %v, want %v", !tt.notHeapE, tt.notHeapE)
			}
		})
	}
}

func TestDiffHeapGrowth(t *testing.T) {
	f := mustWorkload(t)
	h, err := DiffHeap(f.before, f.after, f.elapsed, HeapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Diff || h.Seconds != f.elapsed.Seconds() {
		t.Errorf("Diff %v, Seconds %v; want true, %v", h.Diff, h.Seconds, f.elapsed.Seconds())
	}
	cache := findSite(h, "heap.fillCache", lines.cache)
	if cache == nil || cache.GrowthBytes != 2000*1024 || cache.AllocBytes != 2000*1024 {
		t.Fatalf("fillCache site %+v: want growth and allocs of exactly 2000 KiB", cache)
	}
	churn := findSite(h, "heap.churnHandler", lines.churn)
	if churn == nil || churn.AllocBytes < 50*64<<10 || churn.GrowthBytes > 64<<10 {
		t.Fatalf("churn site %+v: want ≥ 50 × 64 KiB allocated in the window and no growth", churn)
	}
	// Sites that only existed before the window allocate nothing in it.
	if r := findSite(h, "heap.retainBuf", lines.retain); r == nil || r.AllocBytes != 0 || r.GrowthBytes != 0 {
		t.Errorf("retainBuf site %+v: want no allocation or growth in the window", r)
	}
	var growth []string
	for _, fd := range Advise(h, GCContext{}, CandidateOptions{}).Findings() {
		if fd.Check == CheckInuseGrowth {
			growth = append(growth, fd.Location)
			if fd.Metrics["growth_bytes"] != 2000*1024 || fd.Metrics["growth_bytes_per_sec"] <= 0 {
				t.Errorf("growth metrics %v", fd.Metrics)
			}
		}
	}
	if len(growth) != 1 || !strings.HasSuffix(growth[0], "heap_test.go:"+itoa(lines.cache)) {
		t.Errorf("growth findings at %v, want exactly the fillCache line %d", growth, lines.cache)
	}
	// With elapsed unknown, the window comes from the profiles' timestamps.
	h2, err := DiffHeap(f.before, f.after, 0, HeapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(f.after.TimeNanos-f.before.TimeNanos) / 1e9; math.Abs(h2.Seconds-want) > 1e-9*want {
		t.Errorf("Seconds from TimeNanos = %v, want %v", h2.Seconds, want)
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

func TestCandidates(t *testing.T) {
	f := mustWorkload(t)
	h, err := AnalyzeHeap(nil, f.allocs, HeapOptions{Seconds: 5})
	if err != nil {
		t.Fatal(err)
	}
	gc := GCContext{GCCPUShare: 0.25, GOGC: 100, LiveHeapBytes: 16 << 20}
	cands := Advise(h, gc, CandidateOptions{}).Candidates
	if len(cands) == 0 {
		t.Fatal("no candidates")
	}
	top := cands[0]
	if !strings.HasSuffix(top.Site.Func, "heap.churnHandler") || top.Site.Line != lines.churn || top.Rank != 1 {
		t.Fatalf("top candidate %s:%d (rank %d), want churnHandler:%d", top.Site.Func, top.Site.Line, top.Rank, lines.churn)
	}
	if !top.InRequestPath || top.PutIn != top.GetIn {
		t.Errorf("InRequestPath %v, PutIn %v: want a request path with Put in the handler itself", top.InRequestPath, top.PutIn)
	}
	if top.SizeCapBytes != 256<<10 {
		t.Errorf("SizeCapBytes = %d, want 256 KiB (4 × 64 KiB)", top.SizeCapBytes)
	}
	// The GC model: saved = GC share × site share × hit rate.
	if want := 0.25 * top.AllocShare * 0.9; !near(top.GCCPUSaved, want) || !near(top.RemovedBytesPerSec, top.Site.AllocBytesPerSec*0.9) {
		t.Errorf("GCCPUSaved = %v, want %v; removed %v B/s", top.GCCPUSaved, want, top.RemovedBytesPerSec)
	}
	if want := top.RemovedBytesPerSec / (16 << 20); !near(top.GCCyclesPerSecSaved, want) {
		t.Errorf("GCCyclesPerSecSaved = %v, want %v", top.GCCyclesPerSecSaved, want)
	}
	for _, w := range []string{"churnHandler", "heap_test.go:" + itoa(lines.churn), "defer p.Put(x)", "after the response is written", "256 KiB", "WithReset"} {
		if !strings.Contains(top.Advice, w) {
			t.Errorf("advice lacks %q:\n%s", w, top.Advice)
		}
	}
	for i, c := range cands {
		for _, bad := range []string{"retainBuf", "varySize", "allocSmall", "newPooled"} {
			if strings.HasSuffix(c.Site.Func, bad) {
				t.Errorf("candidate %d is %s, which must not be pooled", i+1, bad)
			}
		}
		if i > 0 && c.GCCPUSaved > cands[i-1].GCCPUSaved {
			t.Errorf("candidates not ranked by GC CPU saved at %d", i)
		}
	}
	// A pool with a bad hit-rate assumption saves proportionally less.
	half := Advise(h, gc, CandidateOptions{HitRate: 0.45}).Candidates
	if !near(half[0].GCCPUSaved, top.GCCPUSaved/2) {
		t.Errorf("hit rate 0.45: saved %v, want half of %v", half[0].GCCPUSaved, top.GCCPUSaved)
	}
}

func near(a, b float64) bool { return a-b < 1e-9*max(1, b) && b-a < 1e-9*max(1, b) }

func TestFindingsAntiAdvice(t *testing.T) {
	f := mustWorkload(t)
	h, err := AnalyzeHeap(nil, f.allocs, HeapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stats, wstats := workPool.Stats(), wrapPool.Stats()
	fs := Advise(h, GCContext{}, CandidateOptions{Pools: []bundle.PoolStats{stats, wstats}}).Findings()
	byLine := map[int][]string{}
	for _, fd := range fs {
		if strings.Contains(fd.Location, "heap_test.go:") {
			byLine[atoiSuffix(fd.Location)] = append(byLine[atoiSuffix(fd.Location)], fd.Check)
		}
		if fd.Check == CheckAlreadyPooled && strings.HasSuffix(fd.Function, "newPooled") {
			if got, want := fd.Metrics["pool_hit_rate"], stats.HitRate(); got != want || want == 0 {
				t.Errorf("already-pooled hit rate %v, want the pool's %v", got, want)
			}
		}
		// Linked through the New closure in the call path, not the site's name.
		if fd.Check == CheckAlreadyPooled && strings.HasSuffix(fd.Function, "newWrapped") {
			if got, want := fd.Metrics["pool_gets"], float64(wstats.Gets); got != want || want == 0 {
				t.Errorf("newWrapped: pool_gets %v, want the wrapped pool's %v", got, want)
			}
		}
	}
	tests := []struct {
		name string
		line int
		want string
	}{
		{"churn", lines.churn, CheckCandidate},
		{"retained", lines.retain, CheckRetainedObjects},
		{"varying sizes", lines.vary, CheckSizeVaries},
		{"pooled", lines.pooled, CheckAlreadyPooled},
		{"tiny", lines.tiny, CheckTinyObjects},
		{"pooled through a closure", lines.wrapped, CheckAlreadyPooled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := byLine[tt.line]; len(got) != 1 || got[0] != tt.want {
				t.Errorf("findings at line %d = %v, want [%s]", tt.line, got, tt.want)
			}
		})
	}
	if fs[0].Check != CheckCandidate || !strings.HasSuffix(fs[0].Function, "churnHandler") {
		t.Errorf("first finding %s %s, want the churn candidate", fs[0].Check, fs[0].Function)
	}
	// Without pool stats, the pool is still recognised from the call path.
	fs = Advise(h, GCContext{}, CandidateOptions{}).Findings()
	found := false
	for _, fd := range fs {
		if fd.Check == CheckAlreadyPooled && strings.HasSuffix(fd.Function, "newPooled") {
			found = strings.Contains(fd.Summary, "(*Pool[")
		}
	}
	if !found {
		t.Error("newPooled not reported as already pooled through pool.(*Pool[…]).Get")
	}
}

func atoiSuffix(loc string) int {
	n := 0
	for _, c := range loc[strings.LastIndexByte(loc, ':')+1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestSections(t *testing.T) {
	f := mustWorkload(t)
	h, err := DiffHeap(f.before, f.after, f.elapsed, HeapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secs := Advise(h, GCContext{GCCPUShare: 0.1}, CandidateOptions{}).Sections()
	if len(secs) != 2 || secs[0].ID != SectionHeapSites || secs[1].ID != SectionPoolCandidates {
		t.Fatalf("sections %+v", secs)
	}
	sites := secs[0].Tables[0]
	if len(sites.Rows) != min(len(h.Sites), MaxSectionSites) || sites.Columns[len(sites.Columns)-1] != "Growth" {
		t.Errorf("site table: %d rows, columns %v", len(sites.Rows), sites.Columns)
	}
	for _, r := range sites.Rows {
		if len(r) != len(sites.Columns) {
			t.Fatalf("row %v has %d cells for %d columns", r, len(r), len(sites.Columns))
		}
	}
	if row := secs[1].Tables[0].Rows[0]; row[1] != "heap.churnHandler" {
		t.Errorf("first candidate row %v", row)
	}
}

func TestGCContextFromMetrics(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		give []bundle.MetricsSample
		want GCContext
	}{
		{"none", nil, GCContext{}},
		{"one", []bundle.MetricsSample{{Time: t0}}, GCContext{}},
		{"no time", []bundle.MetricsSample{{Time: t0}, {Time: t0}}, GCContext{}},
		{
			name: "two",
			give: []bundle.MetricsSample{
				{Time: t0, HeapAllocBytes: 1000, CPUTotalSeconds: 10, CPUIdleSeconds: 4, GCTotalSeconds: 1},
				{Time: t0.Add(2 * time.Second), HeapAllocBytes: 5000, CPUTotalSeconds: 14, CPUIdleSeconds: 6, GCTotalSeconds: 1.5,
					GOGC: 100, HeapLiveBytes: 1 << 20},
			},
			want: GCContext{AllocBytesPerSec: 2000, GCCPUShare: 0.25, GOGC: 100, LiveHeapBytes: 1 << 20},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GCContextFromMetrics(tt.give); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		give               string
		wantPkg, wantType  string
		wantRuntime, wantS bool
	}{
		{"runtime.mallocgc", "runtime", "", true, true},
		{"internal/runtime/maps.newarray", "internal/runtime/maps", "", true, true},
		{"bytes.(*Buffer).grow", "bytes", "*bytes.Buffer", false, true},
		{"bytes.growSlice", "bytes", "", false, true},
		{"encoding/json.NewEncoder", "encoding/json", "*json.Encoder", false, true},
		{"net/http.(*conn).serve", "net/http", "", false, true},
		{"main.main.func1", "main", "", false, false},
		{"github.com/gdiag/gdiag/pool.(*Pool[go.shape.*uint8]).Get", "github.com/gdiag/gdiag/pool", "", false, false},
		{"github.com/x/y.NewOrder", "github.com/x/y", "*y.Order", false, false},
		{"github.com/x/y.Newline", "github.com/x/y", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			if got := symbol.Package(tt.give); got != tt.wantPkg {
				t.Errorf("funcPackage = %q, want %q", got, tt.wantPkg)
			}
			if got := typeFromFunc(tt.give); got != tt.wantType {
				t.Errorf("typeFromFunc = %q, want %q", got, tt.wantType)
			}
			if got := symbol.IsRuntime(tt.give); got != tt.wantRuntime {
				t.Errorf("isRuntime = %v", got)
			}
			if got := symbol.IsStdlib(tt.give, ""); got != tt.wantS {
				t.Errorf("isStdlib = %v", got)
			}
		})
	}
	if !isPoolGet("github.com/gdiag/gdiag/pool.(*Pool[...]).Get") || !isPoolGet("sync.(*Pool).Get") || isPoolGet("github.com/gdiag/gdiag/pool.(*Pool[...]).Put") {
		t.Error("isPoolGet")
	}
}

// TestStandardLibrarySitesIgnored: sites reached only through the runtime and
// the standard library (the HTTP server reading request headers in
// net/textproto) get no finding, not even tiny-object anti-advice, because
// the user can change nothing there. In the window between the heap
// snapshots they are a significant share of the allocations.
func TestStandardLibrarySitesIgnored(t *testing.T) {
	f := mustWorkload(t)
	h, err := DiffHeap(f.before, f.after, f.elapsed, HeapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var stdOnly []string
	for i := range h.Sites {
		s := &h.Sites[i]
		if !hasUserCode(s) && (share(s.AllocObjects, h.AllocObjects) >= 0.01 || share(s.AllocBytes, h.AllocBytes) >= 0.01) {
			stdOnly = append(stdOnly, s.Func)
		}
	}
	if len(stdOnly) == 0 {
		t.Fatal("no significant standard-library-only site in the window; the check below would prove nothing")
	}
	for _, fd := range Advise(h, GCContext{}, CandidateOptions{}).Findings() {
		if symbol.IsStdlib(fd.Function, "") || symbol.IsAddress(fd.Function) {
			t.Errorf("finding %s at standard-library site %s", fd.Check, fd.Function)
		}
	}
	t.Logf("significant standard-library-only sites left out: %v", stdOnly)
}

func TestIgnorePackages(t *testing.T) {
	f := mustWorkload(t)
	all, err := AnalyzeHeap(nil, f.allocs, HeapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The workload's sites are all in package pool (this test package).
	h, err := AnalyzeHeap(nil, f.allocs, HeapOptions{IgnorePackages: []string{"github.com/gdiag/gdiag"}})
	if err != nil {
		t.Fatal(err)
	}
	if h.AllocBytes != all.AllocBytes || h.InuseBytes != all.InuseBytes {
		t.Errorf("totals changed: %d/%d allocated, %d/%d in use", h.AllocBytes, all.AllocBytes, h.InuseBytes, all.InuseBytes)
	}
	if findSite(all, "heap.churnHandler", lines.churn) == nil {
		t.Fatal("churnHandler missing without IgnorePackages")
	}
	for _, s := range h.Sites {
		if strings.HasPrefix(s.Func, "github.com/gdiag/gdiag/") {
			t.Errorf("site %s of an ignored package", s.Func)
		}
	}
	if len(h.Sites) == 0 || len(h.Sites) >= len(all.Sites) {
		t.Errorf("%d sites with the package ignored, %d without", len(h.Sites), len(all.Sites))
	}
}
