package contention

import (
	"fmt"
	"strings"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// Options tune Findings. The zero value is the documented default.
type Options struct {
	// MinShare is the share of a profile's total delay (for the block
	// profile: of its lock waits) a site needs before it is reported, 0..1
	// (0 = 0.10).
	MinShare float64
	// MinDelayPerSec is the waiting, in seconds per second (cores' worth of
	// goroutines waiting), from which a site is reported as a problem
	// (0 = 0.5: on average half a goroutine waits on it). Measured on the
	// flash-sale fixture under -race with a CPU burner on a 2-core machine
	// (100 runs): the healthy service's busiest site peaks at 0.06 s/s in
	// the mutex profile and 0.22 s/s of lock waits in the block profile
	// (its hold map, net/http's own locks); the hot-sku-convoy fault gives
	// 3 to 5 s/s.
	MinDelayPerSec float64
	// HighDelayPerSec raises CheckMutexHot to high severity and
	// CheckLockWait to medium (0 = 2: on average two goroutines are always
	// waiting on the site).
	HighDelayPerSec float64
	// MaxFindings bounds the findings per check (0 = 3).
	MaxFindings int
}

func (o Options) withDefaults() Options {
	if o.MinShare <= 0 {
		o.MinShare = 0.10
	}
	if o.MinDelayPerSec <= 0 {
		o.MinDelayPerSec = 0.5
	}
	if o.HighDelayPerSec <= 0 {
		o.HighDelayPerSec = 2
	}
	if o.HighDelayPerSec < o.MinDelayPerSec {
		o.HighDelayPerSec = o.MinDelayPerSec
	}
	if o.MaxFindings <= 0 {
		o.MaxFindings = 3
	}
	return o
}

// Suggestion texts.
const (
	mutexAdvice = "Shorten the critical section: do not hold the lock across I/O, RPCs, channel operations or " +
		"other locks (copy what you need, unlock, then call out, and re-check state after relocking); " +
		"shard the lock by key if unrelated keys share it; use sync.RWMutex for read-mostly data, " +
		"or sync/atomic / copy-on-write for single values."
	lockWaitAdvice = "The goroutines here wait for a lock someone else holds too long: find the holder in the " +
		"mutex profile (its Unlock site) and shorten that critical section, or shard the lock so that these " +
		"goroutines do not share it."
)

// findings reports the contended sites of rs: CheckMutexHot for mutex
// profile sites and CheckLockWait for block profile sites waiting in a sync
// lock, each at most opts.MaxFindings times, largest delay first. A site is
// reported when it has at least MinShare of its profile's delay (block
// profile: of its lock waits) and, when the
// window is known, at least MinDelayPerSec of waiting; when the window is
// unknown a site is reported at info severity only, since its delay cannot be
// told apart from a slow trickle over a long uptime. Metrics keys carry their
// units. Pure.
func findings(rs []*Report, opts Options) []report.Finding {
	o := opts.withDefaults()
	var out []report.Finding
	for _, r := range rs {
		if r == nil || r.Delay <= 0 {
			continue
		}
		// The block profile also holds how idle goroutines wait (channels,
		// select, Cond, WaitGroup); lock waits are measured among lock waits.
		total := r.Delay
		if r.Kind == KindBlock {
			total = 0
			for i := range r.Sites {
				if r.Sites[i].LockOp() {
					total += r.Sites[i].Delay
				}
			}
		}
		n := 0
		for i := range r.Sites {
			s := &r.Sites[i]
			if r.Kind == KindBlock && !s.LockOp() {
				continue
			}
			share := float64(s.Delay) / float64(total)
			if n >= o.MaxFindings || share < o.MinShare {
				break // ranked by delay: the rest have less
			}
			if r.Seconds > 0 && s.DelayPerSec < o.MinDelayPerSec {
				break
			}
			out = append(out, finding(r, s, share, o))
			n++
		}
	}
	return out
}

// finding reports s; share is its share of the delay it is measured against
// (all mutex delay, or all lock waits in the block profile).
func finding(r *Report, s *Site, share float64, o Options) report.Finding {
	f := report.Finding{
		Function: s.Frame.Func,
		Location: s.Frame.Location(),
		Count:    int(s.Contentions),
		Metrics: map[string]float64{
			MetricDelaySeconds: s.Delay.Seconds(),
			MetricContentions:  float64(s.Contentions),
			MetricDelayShare:   share,
		},
	}
	rate := "over an unknown window"
	if r.Seconds > 0 {
		f.Metrics[MetricDelaySecondsPerSecond] = s.DelayPerSec
		f.Metrics[MetricWindowSeconds] = r.Seconds
		rate = fmt.Sprintf("%.3f s per second (%.0f%% of a core) over %.1f s", s.DelayPerSec, 100*s.DelayPerSec, r.Seconds)
	}
	where := symbol.ShortFunc(s.Frame.Func)
	if loc := s.Frame.Location(); loc != "" {
		where += " (" + symbol.ShortFile(loc) + ")"
	}
	switch r.Kind {
	case KindMutex:
		f.Check = CheckMutexHot
		f.Title = "Lock held while others wait: " + where
		f.Summary = fmt.Sprintf("Goroutines waited %s (%.0f%% of all mutex delay, %s) for the lock released at %s.",
			roundDuration(s.Delay), 100*share, rate, where)
		f.Suggestion = mutexAdvice
		f.Severity = report.SeverityMedium
		if s.DelayPerSec >= o.HighDelayPerSec {
			f.Severity = report.SeverityHigh
		}
	default:
		f.Check = CheckLockWait
		f.Title = "Goroutines queue for a lock at " + where
		f.Summary = fmt.Sprintf("Goroutines blocked %s in %s at %s (%.0f%% of all lock waits in the block profile, %s).",
			roundDuration(s.Delay), symbol.ShortFunc(s.Op), where, 100*share, rate)
		f.Suggestion = lockWaitAdvice
		f.Severity = report.SeverityLow
		if s.DelayPerSec >= o.HighDelayPerSec {
			f.Severity = report.SeverityMedium
		}
	}
	if r.Seconds <= 0 {
		f.Severity = report.SeverityInfo
	}
	if symbol.IsStdlib(s.Frame.Func, s.Frame.File) {
		// The critical section is the standard library's (net/http's
		// connection pool, its connection-state hooks): the service cannot
		// shorten it, and under CPU starvation every lock's holder is
		// preempted, so such sites are reported, but not as the service's
		// problem.
		f.Severity = report.SeverityInfo
		if s.Caller.Func == "" {
			f.Evidence = append(f.Evidence, "the lock is the standard library's own and every frame of the heaviest call path is too: no code of the service takes it; kept at info")
		} else {
			f.Evidence = append(f.Evidence, "the lock is the standard library's own (reached from "+symbol.ShortFunc(s.Caller.Func)+callerLoc(s.Caller)+"): its critical section is not the service's to shorten; kept at info. Sustained waits here usually mean a CPU-starved process or, for net/http's Transport, too few idle connections per host (MaxIdleConnsPerHost)")
		}
	} else if s.Caller != s.Frame && s.Caller.Func != "" {
		f.Evidence = append(f.Evidence, "reached from "+symbol.ShortFunc(s.Caller.Func)+callerLoc(s.Caller))
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("%s profile: %d contentions, %s total delay at this site", r.Kind, s.Contentions, roundDuration(s.Delay)))
	if r.Kind == KindMutex {
		f.Evidence = append(f.Evidence, "the runtime charges mutex delay to the holder's Unlock: this is the critical section that made the others wait")
	}
	if s.Op != "" {
		f.Evidence = append(f.Evidence, "operation: "+s.Op)
	}
	var path []string
	for _, fr := range s.Path {
		p := symbol.ShortFunc(fr.Func)
		if loc := fr.Location(); loc != "" {
			p += " " + symbol.ShortFile(loc)
		}
		path = append(path, p)
	}
	if len(path) > 0 {
		f.Evidence = append(f.Evidence, "call path: "+strings.Join(path, " ← "))
	}
	return f
}

func callerLoc(f stack.Frame) string {
	if loc := f.Location(); loc != "" {
		return " (" + symbol.ShortFile(loc) + ")"
	}
	return ""
}
