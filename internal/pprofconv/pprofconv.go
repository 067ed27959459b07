package pprofconv

import (
	"strconv"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/stack"
)

// Frames appends the frames of one sample to dst and returns it. intern,
// when non-nil, is applied to every function and file name (an interner
// shared by many samples). Cost: linear in the sample's lines.
func Frames(dst []stack.Frame, s *profile.Sample, intern func(string) string) []stack.Frame {
	if intern == nil {
		intern = func(s string) string { return s }
	}
	for _, loc := range s.Location {
		if loc == nil {
			continue
		}
		if len(loc.Line) == 0 {
			dst = append(dst, stack.Frame{Func: intern(Address(loc.Address))})
			continue
		}
		for _, ln := range loc.Line {
			f := stack.Frame{Line: int(ln.Line)}
			if ln.Function != nil {
				f.Func = intern(DeferOwner(ln.Function.Name))
				f.File = intern(ln.Function.Filename)
			}
			if f.Func == "" {
				f.Func = intern(Address(loc.Address))
			}
			dst = append(dst, f)
		}
	}
	return dst
}

// Address names an unsymbolized location: "0x4a5b6c".
func Address(pc uint64) string {
	return "0x" + strconv.FormatUint(pc, 16)
}

// DeferOwner names a compiler-generated defer wrapper ("pkg.f.deferwrap1",
// seen when inlining is off, e.g. under -race) after the function whose
// defer statement it runs; its line is that defer statement's. Other names
// are returned unchanged.
func DeferOwner(fn string) string {
	i := strings.LastIndex(fn, ".deferwrap")
	if i < 0 || strings.Trim(fn[i+len(".deferwrap"):], "0123456789") != "" {
		return fn
	}
	return fn[:i]
}
