// Package leaks decides which goroutines are blocked for good: for every
// bucket of goroutines it gives a verdict (proven leak, likely leak, suspect,
// blocked but benign, active) with the evidence behind it, and diffs
// snapshots of a running service to find buckets that keep growing.
//
// It is a pure check over parsed stacks (package stack): no I/O, no clock.
package leaks
