// Package pool provides Pool[T], an instrumented, typed sync.Pool for
// services: an optional reset function, a size rule that drops oversized
// items instead of keeping them, and counters (Stats) that package collector
// reads through interface{ Stats() bundle.PoolStats } without importing this
// package.
//
// Package pool is the service side only: it imports the standard library and
// package bundle (for the PoolStats type), nothing else. The analysis that
// finds where a pool would pay off (the pool/… and heap/… checks) is package
// heap, on the analysis side.
package pool
