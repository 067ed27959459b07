package heap

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/stack"
)

// GCContext prices pooling advice with a first-order GC cost model.
//
// With a fixed live heap the collector starts a cycle every
// LiveHeapBytes × GOGC/100 bytes of allocation, so GC cycles per second, and
// with them GC CPU, are proportional to the allocation rate. Removing a
// fraction f of the allocated bytes therefore saves about f of the GC CPU:
//
//	GC CPU saved ≈ GCCPUShare × (site bytes/s removed ÷ total alloc bytes/s)
//	site bytes/s removed = site alloc bytes/s × hit rate
//
// The model ignores the mark cost's dependence on the live heap (unchanged by
// pooling, except for the pooled objects themselves), GC stacks/globals in
// the heap goal and GOMEMLIMIT; treat its output as the first-order estimate
// it is. Zero fields are unknown: without GCCPUShare the saving is reported
// as a share of allocated bytes only.
//
// The analyzer fills a GCContext from a bundle's metrics history (see
// GCContextFromMetrics).
type GCContext struct {
	// AllocBytesPerSec is the process-wide heap allocation rate
	// (/gc/heap/allocs:bytes per second).
	AllocBytesPerSec float64 `json:"alloc_bytes_per_sec"`
	// GCCPUShare is the share of the process's busy CPU time spent in GC,
	// in [0,1] (/cpu/classes/gc/total ÷ (/cpu/classes/total − idle)).
	GCCPUShare float64 `json:"gc_cpu_share"`
	// GOGC is the GC percent in effect (/gc/gogc:percent); ≤ 0 is unknown or off.
	GOGC int64 `json:"gogc"`
	// LiveHeapBytes is the live heap after the last GC (/gc/heap/live:bytes).
	LiveHeapBytes uint64 `json:"live_heap_bytes"`
}

// GCContextFromMetrics derives a GCContext from a metrics history, using the
// first and last sample (oldest first, as the collector stores them). It
// returns the zero GCContext, meaning "unknown", with fewer than two samples
// or when time did not advance. Pure; cost O(1).
func GCContextFromMetrics(samples []bundle.MetricsSample) GCContext {
	if len(samples) < 2 {
		return GCContext{}
	}
	a, b := samples[0], samples[len(samples)-1]
	secs := b.Time.Sub(a.Time).Seconds()
	if secs <= 0 {
		return GCContext{}
	}
	gc := GCContext{GOGC: b.GOGC, LiveHeapBytes: b.HeapLiveBytes}
	if b.HeapAllocBytes >= a.HeapAllocBytes {
		gc.AllocBytesPerSec = float64(b.HeapAllocBytes-a.HeapAllocBytes) / secs
	}
	busy := (b.CPUTotalSeconds - a.CPUTotalSeconds) - (b.CPUIdleSeconds - a.CPUIdleSeconds)
	if gcs := b.GCTotalSeconds - a.GCTotalSeconds; busy > 0 && gcs >= 0 {
		gc.GCCPUShare = min(gcs/busy, 1)
	}
	return gc
}

// CandidateOptions tune Candidates and Findings. The zero value is the
// default given for each field.
type CandidateOptions struct {
	// HitRate is the share of Gets a new pool is assumed to serve from the
	// pool, in (0,1]. Default 0.9.
	HitRate float64
	// MinShare is the share of all allocated bytes or objects a site needs
	// to be considered at all. Default 0.01 (1%).
	MinShare float64
	// MinObjects is the number of allocated objects a candidate needs
	// (MinShare already demands a significant share of the bytes). Default 10.
	MinObjects int64
	// MinShortLived is the short-lived ratio (1 − inuse/alloc) a candidate
	// needs. Default 0.9.
	MinShortLived float64
	// RetainedRatio is the inuse/alloc ratio at or above which a site gets
	// the retained-objects anti-advice. Default 0.5.
	RetainedRatio float64
	// TinyBytes is the average object size below which objects are tiny.
	// Default 64.
	TinyBytes float64
	// SizeSpread is the ratio of the 95th to the 5th percentile object size
	// at or above which a site gets the size-varies anti-advice. Default 100.
	SizeSpread float64
	// MinGrowthBytes is the in-use growth between snapshots a site needs for
	// the heap-growth finding (DiffHeap reports only). Default 1 MiB.
	MinGrowthBytes int64
	// MaxCandidates caps the number of candidates returned. Default 10.
	MaxCandidates int
	// Pools are the counters of the process's instrumented pools (from the
	// bundle manifest); a pool is linked to a site by its constructor name.
	Pools []bundle.PoolStats
}

func (o CandidateOptions) withDefaults() CandidateOptions {
	def := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.HitRate, 0.9)
	o.HitRate = min(o.HitRate, 1)
	def(&o.MinShare, 0.01)
	def(&o.MinShortLived, 0.9)
	def(&o.RetainedRatio, 0.5)
	def(&o.TinyBytes, 64)
	def(&o.SizeSpread, 100)
	if o.MinObjects <= 0 {
		o.MinObjects = 10
	}
	if o.MinGrowthBytes <= 0 {
		o.MinGrowthBytes = 1 << 20
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = 10
	}
	return o
}

// Candidate is one allocation site worth pooling, with the advice.
type Candidate struct {
	// Rank is 1 for the candidate that saves the most GC CPU.
	Rank int `json:"rank"`
	// Site is the allocation site (a copy from the HeapReport).
	Site Site `json:"site"`
	// Type is the pooled type when the call path shows it
	// ("*bytes.Buffer" from bytes.(*Buffer).Grow or bytes.NewBuffer,
	// "*json.Encoder" from json.NewEncoder); "" when the profile does not say
	// (heap profiles do not record types).
	Type string `json:"type,omitempty"`
	// GetIn is where Get replaces the allocation: the site.
	GetIn stack.Frame `json:"get_in"`
	// PutIn is where the object's life ends and Put goes: the caller of the
	// site on its heaviest path when that is user code (the site may return
	// the object), else the site itself (e.g. an HTTP handler called by
	// net/http: defer Put right after Get, so it runs after the response is
	// written).
	PutIn stack.Frame `json:"put_in"`
	// InRequestPath is true when a call path runs through an HTTP or gRPC
	// handler.
	InRequestPath bool `json:"in_request_path"`
	// AllocShare is the site's share of all allocated bytes.
	AllocShare float64 `json:"alloc_share"`
	// ShortLivedRatio is 1 − inuse/alloc for the site.
	ShortLivedRatio float64 `json:"short_lived_ratio"`
	// RemovedBytesPerSec is the allocation rate a pool would remove: site
	// rate × hit rate, the site rate being the profile's when it covers a
	// known window, else AllocShare × GCContext.AllocBytesPerSec; 0 when
	// neither is known.
	RemovedBytesPerSec float64 `json:"removed_bytes_per_sec,omitempty"`
	// RemovedShare is the share of all allocated bytes a pool would remove
	// (AllocShare × hit rate).
	RemovedShare float64 `json:"removed_share"`
	// GCCPUSaved is the share of CPU the model predicts to save
	// (GCContext.GCCPUShare × RemovedShare); 0 when GCCPUShare is unknown.
	GCCPUSaved float64 `json:"gc_cpu_saved"`
	// GCCyclesPerSecSaved is RemovedBytesPerSec ÷ (LiveHeapBytes × GOGC/100);
	// 0 when unknown.
	GCCyclesPerSecSaved float64 `json:"gc_cycles_per_sec_saved,omitempty"`
	// SizeCapBytes is the suggested size rule: items whose capacity exceeds it
	// are dropped on Put: 4× the typical object size (the median, which is
	// the average for steady sizes, without the average's dilution by small
	// headers on the same line), rounded up to a power of two.
	SizeCapBytes int64 `json:"size_cap_bytes"`
	// Advice says what to change, in words.
	Advice string `json:"advice"`
}

// minChainShare is the share of a site's bytes its most common allocation
// chain must make for the site to be one poolable allocation.
const minChainShare = 0.5

// verdict is what the evaluation concluded for one site.
type verdict int

const (
	verdictNone verdict = iota
	verdictCandidate
	verdictPooled
	verdictRetained
	verdictTiny
	verdictSizeVaries
)

// assessment is one significant site with its verdict.
type assessment struct {
	site    *Site
	verdict verdict
	pool    *bundle.PoolStats // for verdictPooled, when linked
	poolFn  string            // pool Get frame seen on a path
	cand    Candidate
}

// evaluate gives every significant site of h a verdict, in h's site order.
// Sites reached only through the runtime and the standard library are left
// out: the user cannot pool or change them.
func evaluate(h *HeapReport, gc GCContext, o CandidateOptions) []assessment {
	var out []assessment
	if h == nil {
		return nil
	}
	for i := range h.Sites {
		s := &h.Sites[i]
		if !hasUserCode(s) {
			continue // only the runtime and standard library: nothing to change
		}
		if initOnly(s) {
			continue // package initialization runs once: nothing to pool or un-pool
		}
		byteShare := share(s.AllocBytes, h.AllocBytes)
		if byteShare < o.MinShare && share(s.AllocObjects, h.AllocObjects) < o.MinShare {
			continue
		}
		a := assessment{site: s}
		switch {
		case a.pooled(o.Pools):
			a.verdict = verdictPooled
		case s.RetainedRatio(h.Diff) >= o.RetainedRatio:
			a.verdict = verdictRetained
		case s.AvgObjectBytes() < o.TinyBytes:
			a.verdict = verdictTiny
		case s.SizeP5Bytes > 0 && float64(s.SizeP95Bytes)/float64(s.SizeP5Bytes) >= o.SizeSpread:
			a.verdict = verdictSizeVaries
		case byteShare >= o.MinShare && s.AllocObjects >= o.MinObjects &&
			1-s.RetainedRatio(h.Diff) >= o.MinShortLived && chainShare(s) >= minChainShare:
			a.verdict = verdictCandidate
			a.cand = price(h, s, gc, o)
		default:
			continue
		}
		out = append(out, a)
	}
	return out
}

// hasUserCode reports whether a call path of s has a frame outside the
// runtime and the standard library (for example the goroutines of an HTTP
// server all start in net/http, but a handler's allocations run through the
// user's handler).
func hasUserCode(s *Site) bool {
	for _, p := range s.Paths {
		for _, f := range p.Frames {
			if (symbol.Modules{}).IsUser(f.Func, f.File) {
				return true
			}
		}
	}
	return false
}

// initOnly reports whether every call path of s runs in package
// initialization (a frame is pkg.init or an init function), which allocates
// once per process however hot the site looks in a profile.
func initOnly(s *Site) bool {
	if len(s.Paths) == 0 {
		return false
	}
	for _, p := range s.Paths {
		if !slices.ContainsFunc(p.Frames, func(f stack.Frame) bool { return symbol.IsInit(f.Func) }) {
			return false
		}
	}
	return true
}

func share(part, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(part) / float64(total)
}

// pooled reports whether the site is served by a pool: a known pool's
// constructor is the site or calls it from the pool's Get (then the pool's
// counters are linked), or a call path runs through sync.(*Pool).Get or this
// package's (*Pool).Get at or above the site (the site is a pool constructor,
// or the Get calling a standard-library constructor).
func (a *assessment) pooled(pools []bundle.PoolStats) bool {
	s := a.site
	for i := range pools {
		if fn := pools[i].NewFunc; fn != "" && (fn == s.Func || constructs(s, fn)) {
			a.pool = &pools[i]
			a.poolFn = "constructor of pool " + pools[i].Name
			return true
		}
	}
	for _, p := range s.Paths {
		// From the site up: when the constructor is a standard-library
		// function the site is the pool's Get itself.
		for _, f := range p.Frames[p.Site:] {
			if isPoolGet(f.Func) {
				a.poolFn = f.Func
				return true
			}
		}
	}
	return false
}

// constructs reports whether a call path of s runs through the constructor
// newFunc below a pool's Get: the pool's New (often a closure) calls the
// function that allocates.
func constructs(s *Site, newFunc string) bool {
	for _, p := range s.Paths {
		seen := false
		for _, f := range p.Frames[p.Site:] {
			switch {
			case f.Func == newFunc:
				seen = true
			case seen && isPoolGet(f.Func):
				return true
			}
		}
	}
	return false
}

// isPoolGet matches sync.(*Pool).Get and gdiag's pool.(*Pool[…]).Get.
func isPoolGet(fn string) bool {
	if fn == "sync.(*Pool).Get" {
		return true
	}
	return symbol.Package(fn) == "github.com/gdiag/gdiag/pool" && strings.HasPrefix(fn, "github.com/gdiag/gdiag/pool.(*Pool[") &&
		strings.HasSuffix(fn, ").Get")
}

// price computes a candidate's numbers and advice with the GCContext model.
func price(h *HeapReport, s *Site, gc GCContext, o CandidateOptions) Candidate {
	c := Candidate{
		Site:            *s,
		GetIn:           s.Frame(),
		AllocShare:      share(s.AllocBytes, h.AllocBytes),
		ShortLivedRatio: 1 - s.RetainedRatio(h.Diff),
	}
	top := s.Paths[0]
	c.PutIn = c.GetIn
	if top.Site+1 < len(top.Frames) {
		if f := top.Frames[top.Site+1]; (symbol.Modules{}).IsUser(f.Func, f.File) {
			c.PutIn = f
		}
	}
	c.Type = inferType(top)
	for _, p := range s.Paths {
		if inRequestPath(p) {
			c.InRequestPath = true
			break
		}
	}
	// The share comes from the profile alone: the site and the total cover
	// the same window there, while a metrics history may cover another one
	// (idle time, a different load), so dividing the site's profile rate by
	// the history's rate would mix windows.
	siteRate := s.AllocBytesPerSec
	if siteRate == 0 && gc.AllocBytesPerSec > 0 {
		siteRate = c.AllocShare * gc.AllocBytesPerSec
	}
	c.RemovedShare = c.AllocShare * o.HitRate
	c.RemovedBytesPerSec = siteRate * o.HitRate
	c.GCCPUSaved = gc.GCCPUShare * c.RemovedShare
	if gc.LiveHeapBytes > 0 && gc.GOGC > 0 && c.RemovedBytesPerSec > 0 {
		c.GCCyclesPerSecSaved = c.RemovedBytesPerSec / (float64(gc.LiveHeapBytes) * float64(gc.GOGC) / 100)
	}
	c.SizeCapBytes = sizeCap(typicalBytes(s))
	c.Advice = advice(c, o)
	return c
}

// typicalBytes is the median object size, or the average when sizes are
// unknown.
func typicalBytes(s *Site) float64 {
	if s.SizeP50Bytes > 0 {
		return float64(s.SizeP50Bytes)
	}
	return s.AvgObjectBytes()
}

// sizeCap is 4× the typical object size rounded up to a power of two.
func sizeCap(avg float64) int64 {
	v := uint64(math.Ceil(4 * avg))
	if v <= 1 {
		return 1
	}
	return int64(1) << bits.Len64(v-1)
}

// inferType names the pooled type from the function that called the
// allocator and its caller (the innermost two frames outside the runtime, up
// to the site): a constructor "pkg.NewT" gives "*pkg.T", a growing method of
// a pointer receiver ("bytes.(*Buffer).grow", "(*T).Write…", "(*T).ReadFrom")
// gives "*pkg.T". It returns "" when neither says; heap profiles do not
// record types, so this is all there is.
func inferType(p Path) string {
	seen := 0
	for i := 0; i <= p.Site && i < len(p.Frames) && seen < 2; i++ {
		f := p.Frames[i]
		if symbol.IsRuntime(f.Func) || symbol.IsAddress(f.Func) {
			continue
		}
		seen++
		if t := typeFromFunc(f.Func); t != "" {
			return t
		}
	}
	return ""
}

func typeFromFunc(fn string) string {
	pkg := symbol.Package(fn)
	rest, ok := strings.CutPrefix(fn, pkg+".")
	if !ok {
		return ""
	}
	short := pkg[strings.LastIndexByte(pkg, '/')+1:]
	if recv, ok := strings.CutPrefix(rest, "(*"); ok {
		end := strings.IndexAny(recv, ")[")
		_, method, _ := strings.Cut(recv, ")")
		method = strings.TrimPrefix(method, ".")
		for _, m := range []string{"grow", "Grow", "Write", "ReadFrom"} {
			if end > 0 && strings.HasPrefix(method, m) {
				return "*" + short + "." + recv[:end]
			}
		}
		return ""
	}
	name, _, _ := strings.Cut(rest, ".")
	if t, ok := strings.CutPrefix(name, "New"); ok && t != "" && unicode.IsUpper(rune(t[0])) {
		return "*" + short + "." + t
	}
	return ""
}

// chainShare is the share of the site's allocated bytes made by its most
// common allocation chain (the frames from the allocator up to the site,
// ignoring the callers above it). Near 1 means one allocation statement; a
// low share means the site mixes many different allocations (e.g. everything
// a library call allocates), which one pool cannot serve.
func chainShare(s *Site) float64 {
	if s.AllocBytes <= 0 {
		return 0
	}
	// The chain is a prefix of the path key: one \x01-terminated entry per frame.
	chains := make(map[string]int64)
	var best int64
	for _, p := range s.Paths {
		k := p.key
		for range p.Site + 1 {
			i := strings.IndexByte(k, 1)
			if i < 0 {
				break
			}
			k = k[i+1:]
		}
		chain := p.key[:len(p.key)-len(k)]
		chains[chain] += p.AllocBytes
		best = max(best, chains[chain])
	}
	return float64(best) / float64(s.AllocBytes)
}

// inRequestPath reports whether a call path runs through an HTTP or gRPC
// server handler.
func inRequestPath(p Path) bool {
	for _, f := range p.Frames[p.Site:] {
		if strings.HasPrefix(f.Func, "net/http.(*conn).serve") || strings.HasSuffix(f.Func, ".ServeHTTP") ||
			strings.HasPrefix(f.Func, "net/http.HandlerFunc.") ||
			strings.HasPrefix(f.Func, "google.golang.org/grpc.(*Server).processUnaryRPC") ||
			strings.HasPrefix(f.Func, "google.golang.org/grpc.(*Server).processStreamingRPC") {
			return true
		}
	}
	return false
}

// advice writes the concrete pooling advice for c.
func advice(c Candidate, o CandidateOptions) string {
	var b strings.Builder
	s := &c.Site
	what := "the " + units.Bytes(typicalBytes(s)) + " objects"
	typ := c.Type
	if typ == "" {
		typ = "T"
		what += " (heap profiles do not record types: pool a pointer, e.g. *[]byte for a byte slice)"
	} else {
		what += " of type " + typ
	}
	fmt.Fprintf(&b, "Pool %s allocated at %s: create one pool.New[%s](…) (or a sync.Pool) next to %s; ",
		what, c.GetIn.Location(), typ, symbol.ShortFunc(c.GetIn.Func))
	fmt.Fprintf(&b, "call p.Get() in %s instead of allocating", symbol.ShortFunc(c.GetIn.Func))
	if s.Via != "" {
		fmt.Fprintf(&b, " (the allocation happens in %s)", s.Via)
	}
	end := "after its last use"
	if c.InRequestPath {
		end = "after the response is written"
	}
	if c.PutIn == c.GetIn {
		fmt.Fprintf(&b, ", with defer p.Put(x) right after the Get so the object goes back %s", end)
	} else {
		fmt.Fprintf(&b, "; Put it back with defer p.Put(x) in %s itself if the object does not leave it, else in its caller %s (%s) %s",
			symbol.ShortFunc(c.GetIn.Func), symbol.ShortFunc(c.PutIn.Func), c.PutIn.Location(), end)
	}
	b.WriteString("; nothing may keep a reference after Put. ")
	reset := "reset it before reuse (clear the fields, or s = s[:0] for a slice)"
	if strings.HasSuffix(typ, ".Buffer") || strings.HasSuffix(typ, ".Builder") {
		reset = "reset it with x.Reset() before reuse"
	}
	b.WriteString(strings.ToUpper(reset[:1]) + reset[1:])
	fmt.Fprintf(&b, " (pool.WithReset), and drop items larger than %s (4× the typical size) with pool.WithMaxSize so one large request does not stay pinned in the pool.",
		units.Bytes(float64(c.SizeCapBytes)))
	if c.GCCPUSaved > 0 {
		fmt.Fprintf(&b, " Expected: ≈%.1f%% of CPU saved in GC at a %.0f%% hit rate.", 100*c.GCCPUSaved, 100*o.HitRate)
	}
	return b.String()
}

// rank returns the candidates among as, best first, capped and numbered.
func rank(as []assessment, o CandidateOptions) []Candidate {
	var out []Candidate
	for _, a := range as {
		if a.verdict == verdictCandidate {
			out = append(out, a.cand)
		}
	}
	slices.SortStableFunc(out, func(x, y Candidate) int {
		return cmp.Or(cmp.Compare(y.GCCPUSaved, x.GCCPUSaved), cmp.Compare(y.RemovedShare, x.RemovedShare),
			cmp.Compare(x.Site.Func, y.Site.Func), cmp.Compare(x.Site.File, y.Site.File), cmp.Compare(x.Site.Line, y.Site.Line))
	})
	if len(out) > o.MaxCandidates {
		out = out[:o.MaxCandidates]
	}
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}
