package analyzer

import (
	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/internal/pprofstack"
	"github.com/gdiag/gdiag/stack"
)

// FromProfile converts a pprof goroutine (or goroutineleak) profile into the
// stack model: one aggregated record per sample, with Count set from the
// sample value, frames from the locations (inlined calls expanded, innermost
// first), labels from the sample's string labels, and Op classified from the
// frames (protos carry no wait state). Stacks are interned as in text dumps.
// It is internal/pprofstack.FromProfile, which the live leak watch shares.
func FromProfile(p *profile.Profile) *stack.Snapshot { return pprofstack.FromProfile(p) }
