// Package pool finds sync.Pool candidates in allocation profiles and provides
// an instrumented, typed pool.
//
// The analysis half is a check: pure functions over values the caller hands
// in (*profile.Profile from github.com/google/pprof/profile, dump.PoolStats),
// with no I/O and no wall clock.
//
//   - AnalyzeHeap and DiffHeap turn Go heap/allocs profiles into a HeapReport:
//     allocation sites ranked by bytes, with objects, average object size,
//     in-use versus allocated (the short-lived ratio), rates when a duration is
//     known, in-use growth between two snapshots and each site's call paths.
//   - Candidates ranks the sites worth pooling by the GC CPU a pool would save
//     (see GCContext for the model) and says how to pool them; Findings adds
//     the anti-advice (retained objects, sizes that vary by orders of
//     magnitude, sites already pooled, tiny objects) and heap growth as
//     report.Finding values with stable check IDs (see Checks); Sections
//     renders the heap tables.
//
// The runtime half is Pool[T], a typed wrapper over sync.Pool with an optional
// reset function, a size rule that drops oversized items instead of keeping
// them, and counters that package collector reads through
// interface{ PoolStats() dump.PoolStats } without importing this package.
//
// Package pool does not read files, capture profiles or talk HTTP: the
// collector captures, the analyzer loads, and this package only interprets.
package pool
