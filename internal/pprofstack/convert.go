package pprofstack

import (
	"sort"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/stack"
)

// FromProfile converts a pprof goroutine (or goroutineleak) profile into the
// stack model: one aggregated record per sample, with Count set from the
// sample value, frames from the locations (inlined calls expanded, innermost
// first), labels from the sample's string labels, and Op classified from the
// frames (protos carry no wait state). Stacks are interned as in text dumps.
func FromProfile(p *profile.Profile) *stack.Snapshot {
	in := stack.NewInterner()
	snap := &stack.Snapshot{Format: stack.FormatProto}
	var frames []stack.Frame
	for _, s := range p.Sample {
		n := 1
		if len(s.Value) > 0 {
			n = int(s.Value[0])
		}
		if n <= 0 {
			continue
		}
		frames = frames[:0]
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				f := stack.Frame{Line: int(ln.Line)}
				if ln.Function != nil {
					f.Func = in.String(ln.Function.Name)
					f.File = in.String(ln.Function.Filename)
				}
				frames = append(frames, f)
			}
		}
		g := stack.Goroutine{
			Count:  n,
			Stack:  in.Stack(frames, 0),
			Labels: labels(in, s),
			M:      -1,
		}
		g.Op = stack.Classify(&g)
		snap.Goroutines = append(snap.Goroutines, g)
		snap.Total += n
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
