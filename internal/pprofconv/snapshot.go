package pprofconv

import (
	"sort"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/internal/limit"
	"github.com/gdiag/gdiag/stack"
)

// Snapshot converts a pprof goroutine (or goroutineleak) profile into the
// stack model: one aggregated record per sample, with Count from the sample
// value (saturated, never wrapped: the profile is untrusted), frames from
// Frames, labels from the sample's string labels (sorted), and Op classified
// from the frames (protos carry no wait state). Stacks are interned as in
// text dumps. The analyzer and the collector's live leak watch both read
// goroutine profiles through it.
func Snapshot(p *profile.Profile) *stack.Snapshot {
	in := stack.NewInterner()
	snap := &stack.Snapshot{Format: stack.FormatProto}
	var frames []stack.Frame
	for _, s := range p.Sample {
		n := 1
		if len(s.Value) > 0 {
			n = limit.Count(s.Value[0])
		}
		if n <= 0 {
			continue
		}
		frames = Frames(frames[:0], s, in.String)
		g := stack.Goroutine{
			Count:  n,
			Stack:  in.Stack(frames, 0),
			Labels: labels(in, s),
		}
		g.Op = stack.Classify(&g)
		snap.Goroutines = append(snap.Goroutines, g)
		snap.Total = limit.AddSat(snap.Total, n)
	}
	return snap
}

func labels(in *stack.Interner, s *profile.Sample) []stack.Label {
	if len(s.Label) == 0 {
		return nil
	}
	var ls []stack.Label
	for k, vs := range s.Label {
		for _, v := range vs {
			ls = append(ls, stack.Label{Key: in.String(k), Value: in.String(v)})
		}
	}
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].Key != ls[j].Key {
			return ls[i].Key < ls[j].Key
		}
		return ls[i].Value < ls[j].Value
	})
	return ls
}
