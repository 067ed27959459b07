package heap

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
)

// maxEvidenceFrames bounds the call path printed in a finding's evidence.
const maxEvidenceFrames = 8

// findings turns the evaluated sites into report findings (see
// Result.Findings for the order).
func findings(h *HeapReport, gc GCContext, o CandidateOptions, as []assessment, cands []Candidate) []report.Finding {
	var out []report.Finding
	for _, c := range cands {
		out = append(out, candidateFinding(h, c, gc, o))
	}
	var growth []report.Finding
	grown := map[*Site]bool{}
	if h.Diff {
		growth = growthFindings(h, o, grown)
	}
	for _, v := range []verdict{verdictPooled, verdictRetained, verdictSizeVaries, verdictTiny} {
		for _, a := range as {
			// A growing site gets the growth finding, which says more.
			if a.verdict == v && !(v == verdictRetained && grown[a.site]) {
				out = append(out, antiFinding(h, a, o))
			}
		}
	}
	return append(out, growth...)
}

// siteMetrics are the numbers every site finding carries.
func siteMetrics(h *HeapReport, s *Site) map[string]float64 {
	m := map[string]float64{
		MetricAllocBytes:      float64(s.AllocBytes),
		MetricAllocObjects:    float64(s.AllocObjects),
		MetricCallPaths:       float64(len(s.Paths)),
		MetricAllocShare:      share(s.AllocBytes, h.AllocBytes),
		MetricInuseBytes:      float64(s.InuseBytes),
		MetricAvgObjectBytes:  s.AvgObjectBytes(),
		MetricSizeP5Bytes:     float64(s.SizeP5Bytes),
		MetricSizeP95Bytes:    float64(s.SizeP95Bytes),
		MetricRetainedRatio:   s.RetainedRatio(h.Diff),
		MetricShortLivedRatio: 1 - s.RetainedRatio(h.Diff),
	}
	if s.AllocBytesPerSec > 0 {
		m[MetricAllocBytesPerSec] = s.AllocBytesPerSec
		m[MetricAllocObjectsPerSec] = s.AllocObjectsPerSec
	}
	if h.Diff {
		m[MetricGrowthBytes] = float64(s.GrowthBytes)
	}
	return m
}

// siteEvidence lists the site's counts and its heaviest call path.
func siteEvidence(h *HeapReport, s *Site) []string {
	ev := []string{
		fmt.Sprintf("%s allocated in %s objects (%.1f%% of all allocated bytes), average %s, sizes p5–p95 %s–%s",
			units.Bytes(float64(s.AllocBytes)), strconv.FormatInt(s.AllocObjects, 10), 100*share(s.AllocBytes, h.AllocBytes),
			units.Bytes(s.AvgObjectBytes()), units.Bytes(float64(s.SizeP5Bytes)), units.Bytes(float64(s.SizeP95Bytes))),
	}
	in := fmt.Sprintf("%s in use in %d objects", units.Bytes(float64(s.InuseBytes)), s.InuseObjects)
	if h.Diff {
		in += fmt.Sprintf(", in-use change between snapshots %+d bytes", s.GrowthBytes)
	}
	ev = append(ev, in)
	if s.AllocBytesPerSec > 0 {
		ev = append(ev, fmt.Sprintf("%s/s, %.0f objects/s over %.1f s", units.Bytes(s.AllocBytesPerSec), s.AllocObjectsPerSec, h.Seconds))
	}
	if len(s.Paths) > 0 {
		p := s.Paths[0]
		var fr []string
		for i, f := range p.Frames {
			if i >= maxEvidenceFrames {
				fr = append(fr, fmt.Sprintf("… %d more frames", len(p.Frames)-i))
				break
			}
			fr = append(fr, f.String())
		}
		ev = append(ev, fmt.Sprintf("heaviest of %d call paths: %s", len(s.Paths), strings.Join(fr, " ← ")))
	}
	return ev
}

func candidateFinding(h *HeapReport, c Candidate, gc GCContext, o CandidateOptions) report.Finding {
	s := &c.Site
	sev := report.SeverityLow
	switch {
	case c.GCCPUSaved >= 0.10:
		sev = report.SeverityHigh
	case c.GCCPUSaved >= 0.02 || (gc.GCCPUShare == 0 && c.RemovedShare >= 0.5):
		sev = report.SeverityMedium
	}
	m := siteMetrics(h, s)
	m[MetricRank] = float64(c.Rank)
	m[MetricRemovedShare] = c.RemovedShare
	m[MetricHitRateAssumed] = o.HitRate
	m[MetricGCCPUShareSaved] = c.GCCPUSaved
	m[MetricSizeCapBytes] = float64(c.SizeCapBytes)
	if c.RemovedBytesPerSec > 0 {
		m[MetricRemovedBytesPerSec] = c.RemovedBytesPerSec
	}
	if c.GCCyclesPerSecSaved > 0 {
		m[MetricGCCyclesPerSecSaved] = c.GCCyclesPerSecSaved
	}
	saved := fmt.Sprintf("would remove ≈%.0f%% of allocated bytes", 100*c.RemovedShare)
	if c.GCCPUSaved > 0 {
		saved += fmt.Sprintf(" and save ≈%.1f%% of CPU in GC", 100*c.GCCPUSaved)
	}
	ev := siteEvidence(h, s)
	if gc.GCCPUShare > 0 {
		ev = append(ev, fmt.Sprintf("model: GC CPU share %.1f%% × removed share %.1f%% (hit rate %.0f%%) = %.2f%% of CPU",
			100*gc.GCCPUShare, 100*c.RemovedShare, 100*o.HitRate, 100*c.GCCPUSaved))
	}
	return report.Finding{
		Check:    CheckCandidate,
		Severity: sev,
		Title:    fmt.Sprintf("Pool the %s objects allocated in %s", units.Bytes(typicalBytes(s)), symbol.ShortFunc(s.Func)),
		Summary: fmt.Sprintf("%s allocates %.0f%% of all heap bytes in short-lived objects of steady size (%.0f%% die young); pooling them %s.",
			symbol.ShortFunc(s.Func), 100*c.AllocShare, 100*c.ShortLivedRatio, saved),
		Evidence:   ev,
		Suggestion: c.Advice,
		Location:   c.GetIn.Location(),
		Function:   s.Func,
		Count:      1, // one allocation site; its call paths are in Evidence
		Metrics:    m,
	}
}

func antiFinding(h *HeapReport, a assessment, o CandidateOptions) report.Finding {
	s := a.site
	f := report.Finding{
		Severity: report.SeverityInfo,
		Evidence: siteEvidence(h, s),
		Location: s.Frame().Location(),
		Function: s.Func,
		Count:    1,
		Metrics:  siteMetrics(h, s),
	}
	name := symbol.ShortFunc(s.Func)
	switch a.verdict {
	case verdictPooled:
		f.Check = CheckAlreadyPooled
		f.Title = fmt.Sprintf("%s is already pooled", name)
		f.Summary = fmt.Sprintf("The allocations at %s are a pool's misses (%s); pooling it again would not help.", f.Location, a.poolFn)
		if a.pool != nil {
			hr := a.pool.HitRate()
			f.Metrics[MetricPoolHitRate] = hr
			f.Metrics[MetricPoolGets] = float64(a.pool.Gets)
			f.Metrics[MetricPoolDrops] = float64(a.pool.Drops)
			f.Evidence = append(f.Evidence, fmt.Sprintf("pool %q: %d gets, %d news, %d puts, %d drops: hit rate %.0f%%",
				a.pool.Name, a.pool.Gets, a.pool.News, a.pool.Puts, a.pool.Drops, 100*hr))
			if hr < 0.5 && a.pool.Gets > 0 {
				f.Severity = report.SeverityLow
				f.Suggestion = "The pool misses more often than it hits: check that every Get has a Put (defer it), that the size rule does not drop most items, and that the pool is not recreated per request."
			}
		} else {
			f.Evidence = append(f.Evidence, "pool hit rate unknown: register the pool with the collector to see it")
		}
	case verdictRetained:
		f.Check = CheckRetainedObjects
		f.Title = fmt.Sprintf("Do not pool %s: its objects are retained", name)
		f.Summary = fmt.Sprintf("%.0f%% of the bytes allocated at %s are still in use; a pool would rarely get them back and would keep even more memory alive.",
			100*s.RetainedRatio(h.Diff), f.Location)
		f.Suggestion = "Look at what holds these objects (caches, maps, global slices) and bound it; pooling is for objects that die young."
	case verdictSizeVaries:
		f.Check = CheckSizeVaries
		f.Severity = report.SeverityLow
		f.Title = fmt.Sprintf("Do not pool %s as is: object sizes vary %.0f×", name, float64(s.SizeP95Bytes)/float64(s.SizeP5Bytes))
		f.Summary = fmt.Sprintf("Objects allocated at %s range from %s (p5) to %s (p95); one pool would hand large buffers to small users and keep them alive (pool pollution).",
			f.Location, units.Bytes(float64(s.SizeP5Bytes)), units.Bytes(float64(s.SizeP95Bytes)))
		f.Suggestion = fmt.Sprintf("Pool by size class (one pool per power-of-two bucket) or pool only the common size with a size rule that drops items above %s.",
			units.Bytes(float64(s.SizeP50Bytes)*4))
	case verdictTiny:
		f.Check = CheckTinyObjects
		f.Title = fmt.Sprintf("Do not pool %s: objects are tiny", name)
		f.Summary = fmt.Sprintf("Objects allocated at %s average %s (< %s); the allocator serves them from per-P caches faster than a pool's Get/Put.",
			f.Location, units.Bytes(s.AvgObjectBytes()), units.Bytes(o.TinyBytes))
		f.Suggestion = "Avoid the allocation instead: keep the value on the stack (check escape analysis with -gcflags=-m), avoid interface boxing, or batch small objects into one slice."
	}
	return f
}

// growthFindings reports sites whose in-use bytes grew between snapshots
// while retaining most of what they allocated in between.
// The sites reported are marked in grown.
func growthFindings(h *HeapReport, o CandidateOptions, grown map[*Site]bool) []report.Finding {
	var sites []*Site
	for i := range h.Sites {
		s := &h.Sites[i]
		if s.GrowthBytes >= o.MinGrowthBytes && (s.AllocBytes == 0 || float64(s.GrowthBytes) >= o.RetainedRatio*float64(s.AllocBytes)) {
			sites = append(sites, s)
		}
	}
	slices.SortStableFunc(sites, func(x, y *Site) int { return cmp.Compare(y.GrowthBytes, x.GrowthBytes) })
	var out []report.Finding
	for _, s := range sites {
		grown[s] = true
		m := siteMetrics(h, s)
		sev := report.SeverityLow
		if h.Seconds > 0 {
			rate := float64(s.GrowthBytes) / h.Seconds
			m[MetricGrowthBytesPerSec] = rate
			if rate*3600 >= 1<<30 {
				sev = report.SeverityHigh
			} else if rate*3600 >= 100<<20 {
				sev = report.SeverityMedium
			}
		}
		window := "between the snapshots"
		if h.Seconds > 0 {
			window = fmt.Sprintf("in %.1f s", h.Seconds)
		}
		out = append(out, report.Finding{
			Check:    CheckInuseGrowth,
			Severity: sev,
			Title:    fmt.Sprintf("In-use heap of %s grew by %s", symbol.ShortFunc(s.Func), units.Bytes(float64(s.GrowthBytes))),
			Summary: fmt.Sprintf("%s keeps %.0f%% of what it allocated %s and its in-use bytes only went up: a cache, map or slice that is never trimmed.",
				symbol.ShortFunc(s.Func), 100*s.RetainedRatio(true), window),
			Evidence:   siteEvidence(h, s),
			Suggestion: "Bound the structure that holds these objects (size limit, TTL, eviction) or delete entries when done; confirm with a third snapshot.",
			Location:   s.Frame().Location(),
			Function:   s.Func,
			Count:      1,
			Metrics:    m,
		})
	}
	return out
}
