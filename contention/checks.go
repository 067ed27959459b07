package contention

import "github.com/gdiag/gdiag/report"

// Check IDs this package reports. They are public API: stable and kebab-case.
const (
	// CheckMutexHot: one critical section accounts for a large share of the
	// mutex profile's delay and makes goroutines wait a noticeable share of a
	// core.
	CheckMutexHot = "contention/mutex-hot"
	// CheckLockWait: goroutines spend a noticeable share of a core blocked in
	// sync.Mutex/RWMutex Lock at one site (block profile).
	CheckLockWait = "contention/lock-wait"
)

// Checks returns the public description of every check this package
// reports (ID, highest severity, title, explanation), in a fixed order, for
// the shared check table (docs/checks.md). It returns a new slice on every
// call.
func Checks() []report.Check {
	return []report.Check{
		{ID: CheckMutexHot, Severity: report.SeverityHigh, Title: "one critical section holds a lock others wait for (mutex profile): shorten it, shard the lock or use RWMutex/atomics",
			Doc: "A site (the holder's Unlock, Go ≥ 1.22) has ≥ 10% of the mutex profile's delay and goroutines wait ≥ 0.5 s per second on it (half a core); high from 2 s per second. Info only when the profile's window is unknown or the critical section is the standard library's (net/http's own locks). Needs `runtime.SetMutexProfileFraction`."},
		{ID: CheckLockWait, Severity: report.SeverityMedium, Title: "goroutines wait long in sync.Mutex/RWMutex Lock at one site (block profile)",
			Doc: "A site has ≥ 10% of the block profile's lock waits (channel and select waits are not counted) and ≥ 0.5 s per second of waiting; medium from 2 s per second; info when the lock is the standard library's own. Needs `runtime.SetBlockProfileRate`."},
	}
}
