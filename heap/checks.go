package heap

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

// CheckInfo documents one check ID.
type CheckInfo struct {
	ID      string
	Summary string
}

// Checks returns the check IDs of this package with a one-line summary each,
// in a fixed order, for the generated check table. It returns a new slice on
// every call.
func Checks() []CheckInfo {
	return []CheckInfo{
		{CheckCandidate, "short-lived, steady-size objects allocated at a high rate: pool them (ranked by GC CPU saved)"},
		{CheckRetainedObjects, "objects mostly stay in use: pooling will not help and would retain memory"},
		{CheckSizeVaries, "object sizes vary by orders of magnitude: a pool would be polluted by large items"},
		{CheckAlreadyPooled, "allocations come from a pool's constructor: the site is already pooled (hit rate shown when known)"},
		{CheckTinyObjects, "tiny objects: the allocator handles them cheaply, avoid the allocation instead of pooling it"},
		{CheckInuseGrowth, "in-use bytes of a site only grew between snapshots: a cache or map that is never trimmed"},
	}
}
