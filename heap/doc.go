// Package heap analyses Go heap and allocs profiles: where memory is
// allocated, what stays in use, what grows, and which sites are worth a pool.
//
// It is a check: pure functions over values the caller hands in
// (*profile.Profile from github.com/google/pprof/profile, bundle.PoolStats),
// with no I/O and no wall clock.
//
//   - AnalyzeHeap and DiffHeap turn Go heap/allocs profiles into a HeapReport:
//     allocation sites ranked by bytes, with objects, average object size,
//     in-use versus allocated (the short-lived ratio), rates when a duration is
//     known, in-use growth between two snapshots and each site's call paths.
//   - Analyze is the check contract of every gdiag check (report.Result,
//     docs/checks.md): it runs AnalyzeHeap or DiffHeap on its Input and
//     evaluates every site once. Result.Candidates ranks the sites worth
//     pooling by the GC CPU a pool would save (see GCContext for the model,
//     priced from the GC facts in the Input) and says how to pool them;
//     Result.Findings adds the anti-advice (retained objects, sizes that
//     vary by orders of magnitude, sites already pooled, tiny objects) and
//     heap growth as report.Finding values with stable check IDs (see
//     Checks); Result.Sections renders the heap, candidate and pool tables.
//     Advise does the same for a HeapReport made already.
//
// The runtime pool the advice points to is package pool (pool.Pool[T]),
// which services link without this analysis.
//
// Package heap does not read files, capture profiles or talk HTTP: the
// collector captures, the analyzer loads, and this package only interprets.
package heap
