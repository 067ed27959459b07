package heap

import "github.com/gdiag/gdiag/report"

// Check IDs this package reports. They are public API: stable and kebab-case.
const (
	// CheckCandidate: a site allocates many short-lived objects of steady
	// size; pooling them saves GC CPU.
	CheckCandidate = "pool/candidate"
	// CheckRetainedObjects: most of a site's objects stay in use; a pool would
	// not be hit and would only retain more memory.
	CheckRetainedObjects = "pool/retained-objects"
	// CheckSizeVaries: a site's object sizes vary by orders of magnitude; a
	// pool would be polluted by its largest items.
	CheckSizeVaries = "pool/size-varies"
	// CheckAlreadyPooled: the site's allocations come from a pool's
	// constructor (its misses); reports the pool's hit rate when known.
	CheckAlreadyPooled = "pool/already-pooled"
	// CheckTinyObjects: a site allocates many objects smaller than the
	// tiny-object threshold; the allocator handles them cheaply and a pool
	// would cost more than it saves.
	CheckTinyObjects = "pool/tiny-objects"
	// CheckInuseGrowth: a site's in-use bytes grew between two snapshots and
	// most of what it allocated in between is still in use (caches and maps
	// that only grow).
	CheckInuseGrowth = "heap/inuse-growth"
)

// Checks returns the public description of every check this package
// reports (ID, highest severity, title, explanation), in a fixed order, for
// the shared check table (docs/checks.md). It returns a new slice on every
// call.
func Checks() []report.Check {
	return []report.Check{
		{ID: CheckCandidate, Severity: report.SeverityHigh, Title: "short-lived, steady-size objects allocated at a high rate: pool them (ranked by GC CPU saved)",
			Doc: "A site allocates ≥ 1% of the heap bytes in objects that die young (short-lived ratio ≥ 90%) and keep a steady size (p95/p5 < 100, average ≥ 64 B). The GC CPU a pool saves is priced from the GC facts of the same input (GC CPU share × share of bytes removed × assumed hit rate): high from 10% of CPU, medium from 2%."},
		{ID: CheckRetainedObjects, Severity: report.SeverityInfo, Title: "objects mostly stay in use: pooling will not help and would retain memory"},
		{ID: CheckSizeVaries, Severity: report.SeverityLow, Title: "object sizes vary by orders of magnitude: a pool would be polluted by large items"},
		{ID: CheckAlreadyPooled, Severity: report.SeverityLow, Title: "allocations come from a pool's constructor: the site is already pooled (hit rate shown when known)"},
		{ID: CheckTinyObjects, Severity: report.SeverityInfo, Title: "tiny objects: the allocator handles them cheaply, avoid the allocation instead of pooling it"},
		{ID: CheckInuseGrowth, Severity: report.SeverityHigh, Title: "in-use bytes of a site only grew between snapshots: a cache or map that is never trimmed"},
	}
}
