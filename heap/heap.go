package heap

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/internal/pprofconv"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/stack"
)

// Sample type names of a Go heap or allocs profile. Both profiles carry all
// four; they differ only in the default sample type.
const (
	typeAllocObjects = "alloc_objects"
	typeAllocSpace   = "alloc_space"
	typeInuseObjects = "inuse_objects"
	typeInuseSpace   = "inuse_space"
)

// ErrNotHeapProfile is wrapped by the error AnalyzeHeap and DiffHeap return
// for a profile that is not a heap or allocs profile (a CPU, goroutine,
// mutex, … profile).
var ErrNotHeapProfile = errors.New("not a heap or allocs profile")

// HeapOptions tune AnalyzeHeap and DiffHeap. The zero value is the default.
type HeapOptions struct {
	// Seconds is the time the alloc_* counters cover, used for per-second
	// rates. A Go runtime profile counts allocations since process start, so
	// this is the process uptime at capture. 0 means unknown: rates stay 0.
	// DiffHeap ignores it (the window is the elapsed time between snapshots).
	Seconds float64
	// SiteInStdlib makes standard-library frames eligible as sites. By default
	// a site is the first frame outside the runtime and the standard library,
	// so that bytes.growSlice or encoding/json internals are charged to the
	// code that called them (the place a pool would go); the standard-library
	// function that called the allocator is kept in Site.Via. With
	// SiteInStdlib the site is the first frame outside the runtime.
	SiteInStdlib bool
	// IgnorePackages lists import paths whose allocations are left out of
	// Sites (their bytes still count in the totals): a sample with any frame
	// of its call path in one of them, for example the diagnostics
	// collector's capture buffers and what it calls (gopsutil reads, bundle
	// writing, compression), which a heap snapshot taken during a capture
	// always shows. A package's subpackages are ignored too, but not test
	// programs (_test packages, packages under testdata).
	IgnorePackages []string
	// MainModules are the module paths of the service's own code (from the
	// build info in a bundle, or a flag). Sites are then charged to their
	// innermost frame rather than to a third-party library the service
	// calls (a router's middleware); empty: the innermost frame outside the
	// runtime and the standard library.
	MainModules []string
}

// ignoredPath reports whether any frame of an allocation's call path
// belongs to one of the packages: what they call (gopsutil reads, the bundle
// writer, compression) is their work too.
func ignoredPath(frames []stack.Frame, pkgs []string) bool {
	for _, f := range frames {
		if ignored(f.Func, pkgs) {
			return true
		}
	}
	return false
}

// ignored reports whether fn belongs to one of the packages (or below),
// test programs (a _test package, a package under testdata) excepted.
func ignored(fn string, pkgs []string) bool {
	pkg := symbol.Package(fn)
	if strings.HasSuffix(pkg, "_test") || strings.Contains(pkg, "/testdata/") {
		return false
	}
	for _, p := range pkgs {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// Path is one distinct call path into a site, with its share of the site's
// counts. Frames are innermost first and include the runtime and
// standard-library frames above the site as recorded.
type Path struct {
	Frames []stack.Frame `json:"frames"`
	// Site is the index in Frames of the site frame.
	Site         int   `json:"site"`
	AllocObjects int64 `json:"alloc_objects"`
	AllocBytes   int64 `json:"alloc_bytes"`
	InuseObjects int64 `json:"inuse_objects"`
	InuseBytes   int64 `json:"inuse_bytes"`
	// GrowthBytes is the change of InuseBytes between two snapshots
	// (DiffHeap only).
	GrowthBytes int64 `json:"growth_bytes,omitempty"`
	// MinObjectBytes and MaxObjectBytes are the smallest and largest object
	// size recorded on this path (the runtime records the size-class size).
	MinObjectBytes int64 `json:"min_object_bytes"`
	MaxObjectBytes int64 `json:"max_object_bytes"`

	key string // frames as a string, for deterministic ordering
}

// Site is one allocation site: the allocating function and line, with all
// the call paths that reach it.
type Site struct {
	Func string `json:"func"`
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Via is the standard-library function that called the allocator on the
	// heaviest path, when it is not the site itself (e.g. "bytes.growSlice").
	Via string `json:"via,omitempty"`

	AllocObjects int64 `json:"alloc_objects"`
	AllocBytes   int64 `json:"alloc_bytes"`
	InuseObjects int64 `json:"inuse_objects"`
	InuseBytes   int64 `json:"inuse_bytes"`
	// GrowthBytes and GrowthObjects are the change of the in-use counts
	// between two snapshots (DiffHeap only; may be negative).
	GrowthBytes   int64 `json:"growth_bytes,omitempty"`
	GrowthObjects int64 `json:"growth_objects,omitempty"`

	// AllocBytesPerSec and AllocObjectsPerSec are the allocation rates over
	// HeapReport.Seconds; 0 when the duration is unknown.
	AllocBytesPerSec   float64 `json:"alloc_bytes_per_sec,omitempty"`
	AllocObjectsPerSec float64 `json:"alloc_objects_per_sec,omitempty"`

	// Object sizes in bytes, weighted by allocated objects: the 5th, 50th and
	// 95th percentile and the extremes. Objects under 64 bytes are left out
	// when the site also has larger ones: they are usually a variable moved
	// to the heap on the same line (the slice header of `b := make(…);
	// return &b`), not the allocation that matters.
	SizeP5Bytes    int64 `json:"size_p5_bytes"`
	SizeP50Bytes   int64 `json:"size_p50_bytes"`
	SizeP95Bytes   int64 `json:"size_p95_bytes"`
	MinObjectBytes int64 `json:"min_object_bytes"`
	MaxObjectBytes int64 `json:"max_object_bytes"`

	// Paths are the distinct call paths into the site, heaviest (by
	// allocated bytes) first.
	Paths []Path `json:"paths"`
}

// Frame returns the site as a frame.
func (s *Site) Frame() stack.Frame { return stack.Frame{Func: s.Func, File: s.File, Line: s.Line} }

// AvgObjectBytes is AllocBytes / AllocObjects (in-use counts when nothing
// was allocated in the window); 0 without objects.
func (s *Site) AvgObjectBytes() float64 {
	if s.AllocObjects > 0 {
		return float64(s.AllocBytes) / float64(s.AllocObjects)
	}
	if s.InuseObjects > 0 {
		return float64(s.InuseBytes) / float64(s.InuseObjects)
	}
	return 0
}

// RetainedRatio is the share of allocated bytes still in use, in [0,1]:
// InuseBytes / AllocBytes for one profile; for a diff, the in-use growth
// over the bytes allocated in the window (clamped to [0,1]). 0 when nothing
// was allocated.
func (s *Site) RetainedRatio(diff bool) float64 {
	if s.AllocBytes <= 0 {
		return 0
	}
	in := s.InuseBytes
	if diff {
		in = s.GrowthBytes
	}
	return min(max(float64(in)/float64(s.AllocBytes), 0), 1)
}

// HeapReport is the result of AnalyzeHeap or DiffHeap.
type HeapReport struct {
	// Diff is true for a DiffHeap report: alloc counts are the allocations
	// between the snapshots and Growth fields are set; in-use counts are
	// those of the later snapshot.
	Diff bool `json:"diff"`
	// Seconds is the window the alloc counts cover, 0 when unknown.
	Seconds float64 `json:"seconds,omitempty"`
	// SamplingRate is runtime.MemProfileRate of the profile (bytes between
	// samples; 1 records every allocation). Counts are already scaled up.
	SamplingRate int64 `json:"sampling_rate"`

	AllocObjects int64 `json:"alloc_objects"`
	AllocBytes   int64 `json:"alloc_bytes"`
	InuseObjects int64 `json:"inuse_objects"`
	InuseBytes   int64 `json:"inuse_bytes"`
	GrowthBytes  int64 `json:"growth_bytes,omitempty"`

	// Sites are ordered by allocated bytes, then allocated objects, then
	// function, file and line (descending counts, ascending names).
	Sites []Site `json:"sites"`
}

// AllocBytesPerSec is the total allocation rate; 0 when Seconds is unknown.
func (h *HeapReport) AllocBytesPerSec() float64 {
	if h.Seconds <= 0 {
		return 0
	}
	return float64(h.AllocBytes) / h.Seconds
}

// ShortLivedRatio is 1 − inuse/alloc over the whole profile (for a diff,
// 1 − growth/alloc), in [0,1]; 0 when nothing was allocated.
func (h *HeapReport) ShortLivedRatio() float64 {
	if h.AllocBytes <= 0 {
		return 0
	}
	in := h.InuseBytes
	if h.Diff {
		in = h.GrowthBytes
	}
	return 1 - min(max(float64(in)/float64(h.AllocBytes), 0), 1)
}

// smallObjectBytes is the size under which objects are left out of a site's
// size percentiles when it has larger ones.
const smallObjectBytes = 64

// heapIndex holds the positions of the four heap sample types.
type heapIndex struct{ allocObj, allocB, inuseObj, inuseB int }

// indexHeap validates that p is a Go heap/allocs profile and returns the
// positions of its sample types.
func indexHeap(what string, p *profile.Profile) (heapIndex, error) {
	if p == nil {
		return heapIndex{}, fmt.Errorf("heap: %s: nil profile", what)
	}
	ix := heapIndex{-1, -1, -1, -1}
	var got []string
	for i, st := range p.SampleType {
		got = append(got, st.Type+"/"+st.Unit)
		switch st.Type {
		case typeAllocObjects:
			ix.allocObj = i
		case typeAllocSpace:
			ix.allocB = i
		case typeInuseObjects:
			ix.inuseObj = i
		case typeInuseSpace:
			ix.inuseB = i
		}
	}
	if ix.allocObj < 0 || ix.allocB < 0 || ix.inuseObj < 0 || ix.inuseB < 0 {
		return ix, fmt.Errorf("heap: %s: sample types [%s]: %w (want alloc_objects, alloc_space, inuse_objects, inuse_space)",
			what, strings.Join(got, " "), ErrNotHeapProfile)
	}
	return ix, nil
}

// counts is one profile sample reduced to the numbers the analysis uses.
type counts struct {
	allocObj, allocB, inuseObj, inuseB int64
	// size is the object size: the "bytes" numeric label, or the average.
	size int64
}

// record is one sample keyed by its call path and object size.
type record struct {
	frames []stack.Frame
	counts
}

// collect flattens a heap profile into records keyed by call path + size.
// Records with the same key (possible after profile merges) are summed.
func collect(p *profile.Profile, ix heapIndex) (map[string]*record, []string) {
	recs := make(map[string]*record)
	var order []string
	var key strings.Builder
	for _, s := range p.Sample {
		c := counts{
			allocObj: s.Value[ix.allocObj], allocB: s.Value[ix.allocB],
			inuseObj: s.Value[ix.inuseObj], inuseB: s.Value[ix.inuseB],
		}
		if v := s.NumLabel["bytes"]; len(v) > 0 {
			c.size = v[0]
		} else if c.allocObj > 0 {
			c.size = c.allocB / c.allocObj
		} else if c.inuseObj > 0 {
			c.size = c.inuseB / c.inuseObj
		}
		frames := pprofconv.Frames(nil, s, nil)
		key.Reset()
		for _, f := range frames {
			key.WriteString(f.Func)
			key.WriteByte(0)
			key.WriteString(f.File)
			key.WriteByte(0)
			key.WriteString(strconv.Itoa(f.Line))
			key.WriteByte(1)
		}
		key.WriteString(strconv.FormatInt(c.size, 10))
		k := key.String()
		if r, ok := recs[k]; ok {
			r.allocObj += c.allocObj
			r.allocB += c.allocB
			r.inuseObj += c.inuseObj
			r.inuseB += c.inuseB
			continue
		}
		recs[k] = &record{frames: frames, counts: c}
		order = append(order, k)
	}
	return recs, order
}

// AnalyzeHeap ranks the allocation sites of a Go heap profile and/or allocs
// profile (runtime/pprof "heap" and "allocs"; both carry all four sample
// types). With both, allocation counts come from allocs and in-use counts
// from heap; with one, both come from it. At least one must be non-nil.
//
// It returns an error wrapping ErrNotHeapProfile for any other profile type.
// Cost: linear in the number of samples and frames; the profiles are only
// read.
func AnalyzeHeap(heap, allocs *profile.Profile, opts HeapOptions) (*HeapReport, error) {
	if heap == nil && allocs == nil {
		return nil, errors.New("heap: AnalyzeHeap: no profile")
	}
	var (
		recs  map[string]*record
		order []string
		rate  int64
	)
	for _, in := range []struct {
		name        string
		p           *profile.Profile
		alloc, used bool
	}{
		{"allocs profile", allocs, true, heap == nil},
		{"heap profile", heap, allocs == nil, true},
	} {
		if in.p == nil {
			continue
		}
		ix, err := indexHeap(in.name, in.p)
		if err != nil {
			return nil, err
		}
		rate = max(rate, in.p.Period)
		r, o := collect(in.p, ix)
		if recs == nil {
			recs = make(map[string]*record)
		}
		for _, k := range o {
			src := r[k]
			dst, ok := recs[k]
			if !ok {
				dst = &record{frames: src.frames, counts: counts{size: src.size}}
				recs[k] = dst
				order = append(order, k)
			}
			if in.alloc {
				dst.allocObj, dst.allocB = src.allocObj, src.allocB
			}
			if in.used {
				dst.inuseObj, dst.inuseB = src.inuseObj, src.inuseB
			}
		}
	}
	h := build(recs, order, nil, opts)
	h.SamplingRate = rate
	if opts.Seconds > 0 {
		h.setRates(opts.Seconds)
	}
	return h, nil
}

// DiffHeap compares two heap (or allocs) profiles of the same process taken
// elapsed apart: allocation counts are those made between the snapshots,
// in-use counts are the later snapshot's, and GrowthBytes is the change of
// in-use bytes per site and path. When elapsed is 0 it is taken from the
// profiles' TimeNanos. opts.Seconds is ignored.
//
// It returns an error wrapping ErrNotHeapProfile for other profile types, and
// an error when the allocation counters went backwards (profiles of two
// different processes, or in the wrong order).
func DiffHeap(before, after *profile.Profile, elapsed time.Duration, opts HeapOptions) (*HeapReport, error) {
	bix, err := indexHeap("before profile", before)
	if err != nil {
		return nil, err
	}
	aix, err := indexHeap("after profile", after)
	if err != nil {
		return nil, err
	}
	if elapsed < 0 {
		return nil, fmt.Errorf("heap: DiffHeap: negative elapsed time %v", elapsed)
	}
	if elapsed == 0 && before.TimeNanos > 0 && after.TimeNanos > before.TimeNanos {
		elapsed = time.Duration(after.TimeNanos - before.TimeNanos)
	}
	brecs, _ := collect(before, bix)
	arecs, order := collect(after, aix)
	var bAlloc, aAlloc int64
	for _, r := range brecs {
		bAlloc += r.allocB
	}
	for _, r := range arecs {
		aAlloc += r.allocB
	}
	if aAlloc < bAlloc {
		return nil, fmt.Errorf("heap: DiffHeap: allocated bytes went backwards (%d before, %d after): profiles of different processes or swapped", bAlloc, aAlloc)
	}
	growth := make(map[string]counts, len(arecs))
	for _, k := range order {
		a := arecs[k]
		g := counts{inuseObj: a.inuseObj, inuseB: a.inuseB}
		if b, ok := brecs[k]; ok {
			a.allocObj = max(a.allocObj-b.allocObj, 0)
			a.allocB = max(a.allocB-b.allocB, 0)
			g.inuseObj -= b.inuseObj
			g.inuseB -= b.inuseB
		}
		growth[k] = g
	}
	// Paths that vanished from the later profile freed everything they held.
	for k, b := range brecs {
		if _, ok := arecs[k]; ok || (b.inuseB == 0 && b.inuseObj == 0) {
			continue
		}
		arecs[k] = &record{frames: b.frames, counts: counts{size: b.size}}
		growth[k] = counts{inuseObj: -b.inuseObj, inuseB: -b.inuseB}
		order = append(order, k)
	}
	h := build(arecs, order, growth, opts)
	h.Diff = true
	h.SamplingRate = after.Period
	if elapsed > 0 {
		h.setRates(elapsed.Seconds())
	}
	return h, nil
}

// setRates fills the per-second rates for a window of secs seconds.
func (h *HeapReport) setRates(secs float64) {
	h.Seconds = secs
	for i := range h.Sites {
		s := &h.Sites[i]
		s.AllocBytesPerSec = float64(s.AllocBytes) / secs
		s.AllocObjectsPerSec = float64(s.AllocObjects) / secs
	}
}

// siteIndex returns the index of the site frame in frames: the frame the
// user can change (symbol.Modules.FirstUser: the main module's innermost
// frame when opts.MainModules names it, else the first outside the runtime
// and the standard library), or with opts.SiteInStdlib the first outside the
// runtime. When every frame is excluded it falls back to the first
// symbolized frame outside the runtime, then to frame 0.
func siteIndex(frames []stack.Frame, opts HeapOptions) int {
	if !opts.SiteInStdlib {
		at := func(i int) (string, string) { return frames[i].Func, frames[i].File }
		if i := symbol.NewModules(opts.MainModules...).FirstUser(len(frames), at); i >= 0 {
			return i
		}
	}
	for i, f := range frames {
		if !symbol.IsRuntime(f.Func) && !symbol.IsAddress(f.Func) {
			return i
		}
	}
	return 0
}

// build aggregates records into sites. growth, when non-nil, holds the in-use
// change per record key.
func build(recs map[string]*record, order []string, growth map[string]counts, opts HeapOptions) *HeapReport {
	type siteKey struct {
		fn, file string
		line     int
	}
	type acc struct {
		site  *Site
		paths map[string]int // frames key → index in site.Paths
		sizes []counts       // size + objects, for percentiles
		via   map[string]int64
	}
	accs := make(map[siteKey]*acc)
	var keys []siteKey
	h := &HeapReport{}
	for _, k := range order {
		r := recs[k]
		g := growth[k]
		if r.allocObj == 0 && r.allocB == 0 && r.inuseObj == 0 && r.inuseB == 0 && g.inuseB == 0 && g.inuseObj == 0 {
			continue
		}
		si := siteIndex(r.frames, opts)
		var sf stack.Frame
		if si < len(r.frames) {
			sf = r.frames[si]
		}
		h.AllocObjects += r.allocObj
		h.AllocBytes += r.allocB
		h.InuseObjects += r.inuseObj
		h.InuseBytes += r.inuseB
		h.GrowthBytes += g.inuseB
		if ignoredPath(r.frames, opts.IgnorePackages) {
			continue
		}
		sk := siteKey{sf.Func, sf.File, sf.Line}
		a, ok := accs[sk]
		if !ok {
			a = &acc{site: &Site{Func: sf.Func, File: sf.File, Line: sf.Line}, paths: map[string]int{}, via: map[string]int64{}}
			accs[sk] = a
			keys = append(keys, sk)
		}
		s := a.site
		s.AllocObjects += r.allocObj
		s.AllocBytes += r.allocB
		s.InuseObjects += r.inuseObj
		s.InuseBytes += r.inuseB
		s.GrowthBytes += g.inuseB
		s.GrowthObjects += g.inuseObj
		if r.size > 0 {
			objs := r.allocObj
			if objs == 0 {
				objs = r.inuseObj
			}
			a.sizes = append(a.sizes, counts{size: r.size, allocObj: objs})
		}
		for i := si - 1; i >= 0; i-- {
			if !(symbol.IsRuntime(r.frames[i].Func) || symbol.IsAddress(r.frames[i].Func)) {
				a.via[r.frames[i].Func] += r.allocB
				break
			}
		}
		// Paths are keyed by frames only: sizes of one path are merged.
		pk := k[:strings.LastIndexByte(k, '\x01')+1]
		pi, ok := a.paths[pk]
		if !ok {
			pi = len(s.Paths)
			a.paths[pk] = pi
			s.Paths = append(s.Paths, Path{Frames: r.frames, Site: si, MinObjectBytes: r.size, MaxObjectBytes: r.size, key: pk})
		}
		p := &s.Paths[pi]
		p.AllocObjects += r.allocObj
		p.AllocBytes += r.allocB
		p.InuseObjects += r.inuseObj
		p.InuseBytes += r.inuseB
		p.GrowthBytes += g.inuseB
		if r.size > 0 {
			if p.MinObjectBytes == 0 || r.size < p.MinObjectBytes {
				p.MinObjectBytes = r.size
			}
			p.MaxObjectBytes = max(p.MaxObjectBytes, r.size)
		}
	}
	h.Sites = make([]Site, 0, len(keys))
	for _, sk := range keys {
		a := accs[sk]
		s := a.site
		slices.SortStableFunc(s.Paths, func(x, y Path) int {
			return cmp.Or(cmp.Compare(y.AllocBytes, x.AllocBytes), cmp.Compare(y.InuseBytes, x.InuseBytes),
				cmp.Compare(x.key, y.key))
		})
		sizes := a.sizes
		if big := slices.DeleteFunc(slices.Clone(sizes), func(c counts) bool { return c.size < smallObjectBytes }); len(big) > 0 {
			sizes = big
		}
		s.SizeP5Bytes, s.SizeP50Bytes, s.SizeP95Bytes, s.MinObjectBytes, s.MaxObjectBytes = percentiles(sizes)
		var best int64 = -1
		for fn, b := range a.via {
			if b > best || (b == best && fn < s.Via) {
				best, s.Via = b, fn
			}
		}
		h.Sites = append(h.Sites, *s)
	}
	slices.SortFunc(h.Sites, func(x, y Site) int {
		return cmp.Or(cmp.Compare(y.AllocBytes, x.AllocBytes), cmp.Compare(y.AllocObjects, x.AllocObjects),
			cmp.Compare(y.InuseBytes, x.InuseBytes), cmp.Compare(x.Func, y.Func), cmp.Compare(x.File, y.File),
			cmp.Compare(x.Line, y.Line))
	})
	return h
}

// percentiles returns the object-weighted 5th, 50th and 95th percentile
// sizes and the minimum and maximum.
func percentiles(sizes []counts) (p5, p50, p95, lo, hi int64) {
	if len(sizes) == 0 {
		return
	}
	slices.SortFunc(sizes, func(a, b counts) int { return cmp.Compare(a.size, b.size) })
	var total int64
	for _, s := range sizes {
		total += s.allocObj
	}
	lo, hi = sizes[0].size, sizes[len(sizes)-1].size
	if total <= 0 {
		return lo, lo, hi, lo, hi
	}
	at := func(q float64) int64 {
		want := q * float64(total)
		var run int64
		for _, s := range sizes {
			run += s.allocObj
			if float64(run) >= want {
				return s.size
			}
		}
		return hi
	}
	return at(0.05), at(0.50), at(0.95), lo, hi
}
