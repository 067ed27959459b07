package analyzer

import (
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/contention"
)

// minProfileWindow is the shortest DurationNanos taken as a loose profile's
// window: a cumulative mutex or block profile records only how long writing
// it took, a delta profile (net/http/pprof ?seconds=N) at least a second.
const minProfileWindow = time.Second

// contentionInput gathers the mutex and block profiles of every input for
// the contention check, each with its window and, for a bundle whose
// sampling was off, why it holds no data.
func contentionInput(inputs []*Input) contention.Input {
	var ci contention.Input
	for _, in := range inputs {
		if in == nil {
			continue
		}
		for _, k := range []struct {
			dump bundle.Kind
			kind contention.Kind
		}{{bundle.KindMutex, contention.KindMutex}, {bundle.KindBlock, contention.KindBlock}} {
			if off := samplingOff(in.Manifest, k.dump); off != "" {
				ci.Profiles = append(ci.Profiles, contention.Profile{Name: in.Name, Kind: k.kind, NoData: off})
				continue
			}
			p := in.Profiles[k.dump]
			if p == nil {
				continue
			}
			window, from := profileWindow(in, k.dump, p)
			ci.Profiles = append(ci.Profiles, contention.Profile{Name: in.Name, Kind: k.kind, Profile: p, Seconds: window, WindowFrom: from})
		}
	}
	return ci
}

// profileWindow is the time a mutex or block profile's delays accumulated
// over, and where that came from: the bundle entry's window for a delta
// profile, else the time since the collector turned sampling on when the
// manifest records it and it is shorter than the uptime, else the process
// uptime the manifest implies (CPU seconds over
// the average CPU share since start; profiling may have been turned on later,
// so rates are at most understated), else a loose profile's DurationNanos
// when it is a delta profile. 0 when unknown.
func profileWindow(in *Input, k bundle.Kind, p *profile.Profile) (float64, string) {
	if m := in.Manifest; m != nil {
		for _, e := range m.Entries {
			if e.Kind == k && e.Seconds > 0 {
				return e.Seconds, "the capture window of a delta profile"
			}
		}
		uptime := 0.0
		if pr := m.Process; pr != nil && pr.CPUPercent > 0 && pr.UserSeconds+pr.SysSeconds > 0 {
			uptime = (pr.UserSeconds + pr.SysSeconds) / (pr.CPUPercent / 100)
		}
		if sm := m.Sampling; sm != nil && !sm.Since.IsZero() && !m.CapturedAt.IsZero() {
			if on := m.CapturedAt.Sub(sm.Since).Seconds(); on > 0 && (uptime == 0 || on < uptime) {
				return on, "the time since the collector turned sampling on"
			}
		}
		if uptime > 0 {
			return uptime, "the process uptime (CPU seconds ÷ CPU share since start); rates are lower bounds if profiling started later"
		}
		return 0, ""
	}
	if d := time.Duration(p.DurationNanos); d >= minProfileWindow {
		return d.Seconds(), "the profile's duration"
	}
	return 0, ""
}

// samplingOff is why a bundle's block or mutex profile is empty, from the
// manifest's sampling record; "" when it may hold data.
func samplingOff(m *bundle.Manifest, k bundle.Kind) string {
	if m == nil || m.Sampling == nil {
		return ""
	}
	switch {
	case k == bundle.KindBlock && m.Sampling.BlockOff():
		return "sampling off (runtime.SetBlockProfileRate was not called; collector.WithBlockProfileRate turns it on)"
	case k == bundle.KindMutex && m.Sampling.MutexOff():
		return "sampling off (runtime.SetMutexProfileFraction is 0; collector.WithMutexProfileFraction turns it on)"
	}
	return ""
}
