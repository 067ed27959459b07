package contention

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/internal/pprofconv"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/stack"
)

// Kind says which runtime profile a Report comes from.
type Kind string

// Profile kinds.
const (
	KindMutex Kind = "mutex" // delay charged to the lock holder's Unlock (Go ≥ 1.22)
	KindBlock Kind = "block" // delay charged to the waiter's Lock, channel op or select
)

// Site is one contended site: the samples whose first user frame is the same.
type Site struct {
	// Frame is the first frame outside the runtime, sync and internal
	// packages (the top frame when there is none).
	Frame stack.Frame `json:"frame"`
	// Op is the innermost runtime/sync function of the heaviest sample
	// ("sync.(*Mutex).Unlock", "runtime.chanrecv1", "runtime.selectgo").
	Op string `json:"op,omitempty"`
	// Path is the heaviest sample's call path from Frame outwards.
	Path []stack.Frame `json:"path,omitempty"`
	// Caller is the innermost frame of the heaviest sample outside the
	// standard library (internal/symbol's rule): the service's own code
	// (or a library it calls) that reached the lock. Zero when every frame
	// is the standard library's, as for net/http's own connection state
	// locks: no code of the service holds or takes that lock.
	Caller stack.Frame `json:"caller,omitzero"`
	// Contentions is the number of contention events (scaled by the
	// profile's sampling).
	Contentions int64 `json:"contentions"`
	// Delay is the total time goroutines waited.
	Delay time.Duration `json:"delay_ns"`
	// Share is Delay over the profile's total delay, 0..1.
	Share float64 `json:"share"`
	// DelayPerSec is seconds waited per second of the window (the number of
	// cores' worth of goroutines waiting); 0 when the window is unknown.
	DelayPerSec float64 `json:"delay_per_sec,omitempty"`
}

// LockOp reports whether the site's waiting happened in a sync lock
// (Mutex or RWMutex) rather than a channel, select, Cond or WaitGroup.
func (s *Site) LockOp() bool {
	op := strings.TrimPrefix(s.Op, "internal/")
	return strings.HasPrefix(op, "sync.(*Mutex).") || strings.HasPrefix(op, "sync.(*RWMutex).")
}

// Report is one mutex or block profile, analysed.
type Report struct {
	Kind Kind `json:"kind"`
	// Seconds is the window the delays accumulated over (0 = unknown).
	Seconds float64 `json:"seconds,omitempty"`
	// Delay and Contentions are the totals over all samples.
	Delay       time.Duration `json:"delay_ns"`
	Contentions int64         `json:"contentions"`
	// Sites are ranked by Delay, largest first (ties by location).
	Sites []Site `json:"sites"`
	// NoData, when set, says why the profile holds nothing to analyse
	// (e.g. "sampling off ..."): reports say so instead of staying silent.
	NoData string `json:"no_data,omitempty"`
}

// DelayPerSec is the profile's total delay per second of its window, 0 when
// the window is unknown.
func (r *Report) DelayPerSec() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return r.Delay.Seconds() / r.Seconds
}

// ErrNoDelay means the profile has no contentions and delay sample types.
var ErrNoDelay = errors.New("contention: profile has no delay/nanoseconds sample type")

// maxPathFrames bounds a site's call path.
const maxPathFrames = 8

// AnalyzeProfile groups p's samples by contended site and ranks them by
// delay; Analyze runs it on every profile of its Input.
// seconds is the window the profile's delays accumulated over (the capture
// window of a delta profile, or how long the process ran with profiling on);
// pass 0 when unknown, then no rates are computed. Pure; cost linear in the
// samples and frames of p.
func AnalyzeProfile(p *profile.Profile, kind Kind, seconds float64) (*Report, error) {
	if p == nil {
		return nil, fmt.Errorf("contention: nil %s profile", kind)
	}
	ci, di := -1, -1
	for i, st := range p.SampleType {
		switch {
		case st.Type == "contentions" && st.Unit == "count":
			ci = i
		case st.Type == "delay" && st.Unit == "nanoseconds":
			di = i
		}
	}
	if di < 0 {
		return nil, fmt.Errorf("%w (%s profile)", ErrNoDelay, kind)
	}
	r := &Report{Kind: kind, Seconds: max(seconds, 0)}
	type acc struct {
		site  Site
		heavy int64 // delay of the heaviest sample so far
	}
	sites := map[stack.Frame]*acc{}
	for _, s := range p.Sample {
		if di >= len(s.Value) {
			continue
		}
		delay := s.Value[di]
		var n int64
		if ci >= 0 && ci < len(s.Value) {
			n = s.Value[ci]
		}
		if delay <= 0 && n <= 0 {
			continue
		}
		frames := pprofconv.Frames(nil, s, nil)
		if len(frames) == 0 {
			continue
		}
		user, op := waitSite(frames)
		a := sites[frames[user]]
		if a == nil {
			a = &acc{site: Site{Frame: frames[user]}, heavy: -1}
			sites[frames[user]] = a
		}
		a.site.Delay += time.Duration(delay)
		a.site.Contentions += n
		r.Delay += time.Duration(delay)
		r.Contentions += n
		if delay > a.heavy {
			a.heavy = delay
			a.site.Op = op
			a.site.Path = slices.Clone(frames[user:min(len(frames), user+maxPathFrames)])
			a.site.Caller = stack.Frame{}
			if i := slices.IndexFunc(frames, func(f stack.Frame) bool { return !symbol.IsStdlib(f.Func, f.File) }); i >= 0 {
				a.site.Caller = frames[i]
			}
		}
	}
	for _, a := range sites {
		s := a.site
		if r.Delay > 0 {
			s.Share = float64(s.Delay) / float64(r.Delay)
		}
		if r.Seconds > 0 {
			s.DelayPerSec = s.Delay.Seconds() / r.Seconds
		}
		r.Sites = append(r.Sites, s)
	}
	slices.SortFunc(r.Sites, func(a, b Site) int {
		if c := cmp.Compare(b.Delay, a.Delay); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Contentions, a.Contentions); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Frame.Func, b.Frame.Func), cmp.Compare(a.Frame.File, b.Frame.File), cmp.Compare(a.Frame.Line, b.Frame.Line))
	})
	return r, nil
}

// waitSite returns the index of the first frame outside the runtime and the
// sync packages (0 when every frame is theirs) and the outermost of the
// skipped frames: the call the user code made ("sync.(*Mutex).Unlock",
// "runtime.chanrecv1"), not the runtime's helpers below it.
func waitSite(frames []stack.Frame) (int, string) {
	for i, f := range frames {
		if !waitMechanism(f.Func) {
			if i == 0 {
				return 0, ""
			}
			return i, frames[i-1].Func
		}
	}
	return 0, frames[len(frames)-1].Func
}

// waitMechanism reports whether fn belongs to the runtime or package sync:
// frames that say how a goroutine waited, not where.
func waitMechanism(fn string) bool {
	if symbol.IsRuntime(fn) {
		return true
	}
	pkg := symbol.Package(fn)
	return pkg == "sync" || pkg == "sync/atomic"
}
