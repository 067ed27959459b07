package analyzer

import (
	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/internal/pprofconv"
	"github.com/gdiag/gdiag/stack"
)

// FromProfile converts a pprof goroutine (or goroutineleak) profile into the
// stack model: one aggregated record per sample, with Count from the sample
// value, frames innermost first with inlined calls expanded and
// unsymbolized locations kept as "0x…", labels from the sample's string
// labels, and Op classified from the frames (protos carry no wait state).
// It is internal/pprofconv.Snapshot, which the live leak watch shares.
func FromProfile(p *profile.Profile) *stack.Snapshot { return pprofconv.Snapshot(p) }
