package gctune

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/report"
)

// Thresholds of the GOMAXPROCS checks.
const (
	throttledShareWarn = 0.05 // of CFS periods
	throttledShareHigh = 0.20
	minPeriods         = 10
	schedLatencyHigh   = 5 * time.Millisecond
)

// MaxProcsAdvice is the GOMAXPROCS value the quotas call for, with why.
type MaxProcsAdvice struct {
	// Value is the recommended GOMAXPROCS, 0 when there is no CPU quota.
	Value int `json:"value"`
	// QuotaCores is the smallest CPU quota over all cgroup levels and
	// QuotaPath the level that sets it; InnermostQuotaCores is what the
	// runtime sees.
	QuotaCores          float64 `json:"quota_cores"`
	QuotaPath           string  `json:"quota_path"`
	InnermostQuotaCores float64 `json:"innermost_quota_cores"`
	// ThrottledShare is the largest nr_throttled/nr_periods over levels.
	ThrottledShare float64 `json:"throttled_share"`
	// RuntimeDefault is what Go 1.25+ picks by itself from the innermost
	// quota (max(2, ceil(quota)), at most NumCPU); 0 when unknown.
	RuntimeDefault int    `json:"runtime_default"`
	Reason         string `json:"reason"`
}

// AdviseMaxProcs computes the GOMAXPROCS the cgroup CPU quotas call for.
// Fractional quotas: ceil lets the process use the fraction but lets it burst
// above the quota and be throttled; floor never exceeds the quota but leaves
// the fraction unused. AdviseMaxProcs picks floor when the process is
// throttled or the fraction is under half a core, ceil otherwise, and never
// less than 1.
func AdviseMaxProcs(r *Result) MaxProcsAdvice {
	var a MaxProcsAdvice
	if r == nil || r.Cgroup == nil {
		return a
	}
	for i, l := range r.Cgroup.Levels {
		if l.CPUQuotaCores > 0 {
			if i == 0 {
				a.InnermostQuotaCores = l.CPUQuotaCores
			}
			if a.QuotaCores == 0 || l.CPUQuotaCores < a.QuotaCores {
				a.QuotaCores, a.QuotaPath = l.CPUQuotaCores, l.Path
			}
		}
		if l.NrPeriods >= minPeriods {
			a.ThrottledShare = math.Max(a.ThrottledShare, float64(l.NrThrottled)/float64(l.NrPeriods))
		}
	}
	if a.InnermostQuotaCores > 0 {
		a.RuntimeDefault = max(2, int(math.Ceil(a.InnermostQuotaCores)))
		if r.NumCPU > 0 {
			a.RuntimeDefault = min(a.RuntimeDefault, r.NumCPU)
		}
	}
	q := a.QuotaCores
	if q == 0 {
		return a
	}
	fl, ce := int(math.Floor(q)), int(math.Ceil(q))
	frac := q - math.Floor(q)
	switch {
	case frac == 0:
		a.Value = fl
		a.Reason = fmt.Sprintf("the quota is a whole %d cores", fl)
	case a.ThrottledShare >= throttledShareWarn || frac < 0.5:
		a.Value = max(fl, 1)
		a.Reason = fmt.Sprintf("floor of the %.2f-core quota: ", q)
		if a.ThrottledShare >= throttledShareWarn {
			a.Reason += fmt.Sprintf("%.0f%% of periods are throttled, so do not burst above the quota", a.ThrottledShare*100)
		} else {
			a.Reason += fmt.Sprintf("the %.2f-core fraction is not worth the throttling a %d-P burst causes", frac, ce)
		}
	default:
		a.Value = ce
		a.Reason = fmt.Sprintf("ceil of the %.2f-core quota: the %.2f-core fraction is worth using and throttling is low (%.1f%% of periods)", q, frac, a.ThrottledShare*100)
	}
	if r.NumCPU > 0 && a.Value > r.NumCPU {
		a.Value = r.NumCPU
		a.Reason += fmt.Sprintf("; capped at the %d CPUs of the machine", r.NumCPU)
	}
	return a
}

// godebug returns the effective value of a GODEBUG key and where it comes
// from: the GODEBUG environment variable (the last occurrence wins, as in
// the runtime) over the binary's default from its go.mod go line.
func godebug(r *Result, key string) (value, from string) {
	find := func(list string) (string, bool) {
		v, ok := "", false
		for _, f := range strings.Split(list, ",") {
			if k, val, found := strings.Cut(strings.TrimSpace(f), "="); found && k == key {
				v, ok = val, true
			}
		}
		return v, ok
	}
	if v, ok := find(r.GODEBUG); ok {
		return v, "GODEBUG"
	}
	if v, ok := find(r.DefaultGODEBUG); ok {
		return v, "the go.mod go line (default GODEBUG)"
	}
	return "", ""
}

// maxprocsChecks compares GOMAXPROCS with the CPU quotas, throttling and
// scheduler latency.
func maxprocsChecks(r *Result) []Recommendation {
	a := AdviseMaxProcs(r)
	p := int(r.GOMAXPROCS.Value)
	if p <= 0 {
		return nil
	}
	var recs []Recommendation
	minor := goMinor(r.GoVersion)
	metrics := func() map[string]float64 {
		m := map[string]float64{
			MetricGOMAXPROCS:          float64(p),
			MetricRecommended:         float64(a.Value),
			MetricQuotaCores:          a.QuotaCores,
			MetricInnermostQuotaCores: a.InnermostQuotaCores,
			MetricThrottledShare:      a.ThrottledShare,
		}
		if r.HasSchedMetrics {
			m[MetricSchedLatencyP99Seconds] = r.SchedLatP99.Seconds()
			m[MetricRunnableMean] = r.RunnableMean
		}
		return m
	}
	runtimeNote := func() string {
		switch {
		case r.GOMAXPROCS.Source == bundle.SourceEnv:
			return fmt.Sprintf("GOMAXPROCS is set in the environment (%q), which overrides the runtime's cgroup-aware default and turns off its live updates.", r.GOMAXPROCS.Env)
		case minor > 0 && minor < 25:
			return fmt.Sprintf("Go 1.%d ignores cgroup CPU limits (Go 1.25+ defaults GOMAXPROCS to the quota and follows changes); upgrade or set GOMAXPROCS.", minor)
		}
		if v, from := godebug(r, "containermaxprocs"); v == "0" {
			if from == "GODEBUG" {
				return "GODEBUG=containermaxprocs=0 turns off the Go 1.25+ cgroup-aware default; remove it or set GOMAXPROCS."
			}
			return "containermaxprocs=0 comes from " + from + ": the main module's go.mod says go < 1.25, which keeps the pre-1.25 default (all CPUs); raise the go line to 1.25 or set GOMAXPROCS."
		}
		if v, from := godebug(r, "updatemaxprocs"); v == "0" {
			return "updatemaxprocs=0 (from " + from + ") stops the runtime from following quota changes after start: a resized container keeps the old GOMAXPROCS."
		}
		return ""
	}
	evidenceQuota := func(f *report.Finding) {
		if r.Cgroup == nil {
			return
		}
		for i, l := range r.Cgroup.Levels {
			if l.CPUQuotaCores > 0 || l.NrThrottled > 0 {
				level := "parent"
				if i == 0 {
					level = "innermost"
				}
				f.Evidence = append(f.Evidence, fmt.Sprintf("%s cgroup %s: quota %.2f cores, throttled %d of %d periods (%s)",
					level, l.Path, l.CPUQuotaCores, l.NrThrottled, l.NrPeriods, l.ThrottledTime.Round(time.Millisecond)))
			}
		}
	}
	env := func() map[string]string { return map[string]string{"GOMAXPROCS": strconv.Itoa(a.Value)} }

	innerCeil := int(math.Ceil(a.InnermostQuotaCores))
	if a.InnermostQuotaCores > 0 && p > max(innerCeil, 2) {
		f := newFinding(CheckGOMAXPROCSAboveQuota)
		f.Summary = fmt.Sprintf("GOMAXPROCS=%d (%s) but the cgroup allows %.2f cores: up to %d threads run Go code at once and the process is throttled for the rest of each period.",
			p, r.GOMAXPROCS.Source, a.InnermostQuotaCores, p)
		f.Metrics = metrics()
		evidenceQuota(&f)
		f.Suggestion = fmt.Sprintf("GOMAXPROCS=%d (%s). %s", a.Value, a.Reason, runtimeNote())
		recs = append(recs, Recommendation{Finding: f, Env: env()})
	}
	if a.QuotaCores > 0 && a.QuotaCores < a.InnermostQuotaCores || a.InnermostQuotaCores == 0 && a.QuotaCores > 0 {
		if p > int(math.Ceil(a.QuotaCores)) {
			f := newFinding(CheckGOMAXPROCSParent)
			inner := "no CPU limit"
			if a.InnermostQuotaCores > 0 {
				inner = fmt.Sprintf("%.2f cores", a.InnermostQuotaCores)
			}
			f.Summary = fmt.Sprintf("The parent cgroup %s limits CPU to %.2f cores, but the runtime reads only the innermost cgroup (%s) and runs GOMAXPROCS=%d.",
				a.QuotaPath, a.QuotaCores, inner, p)
			f.Metrics = metrics()
			evidenceQuota(&f)
			f.Suggestion = fmt.Sprintf("Set GOMAXPROCS=%d explicitly (%s); this also disables the runtime's live updates, so revisit it when the quota changes.", a.Value, a.Reason)
			recs = append(recs, Recommendation{Finding: f, Env: env()})
		}
	}
	if a.ThrottledShare >= throttledShareWarn {
		f := newFinding(CheckCPUThrottled)
		if a.ThrottledShare < throttledShareHigh {
			f.Severity = report.SeverityMedium
		}
		f.Summary = fmt.Sprintf("%.0f%% of CFS periods were throttled: the process stalls until the next period (up to %s per stall).",
			a.ThrottledShare*100, periodOf(r))
		f.Metrics = metrics()
		f.Metrics[MetricGCCores] = r.GCCores
		evidenceQuota(&f)
		sugg := ""
		if a.Value > 0 && p > a.Value {
			sugg = fmt.Sprintf("GOMAXPROCS=%d (%s) so bursts stay under the quota", a.Value, a.Reason)
		} else {
			sugg = "Raise the CPU quota or reduce the CPU demand"
		}
		if r.GCCores > 0 && a.QuotaCores > 0 {
			sugg += fmt.Sprintf("; GC uses %.2f of the %.2f cores (the 25%% dedicated mark workers burst at GC start), see gctune/gogc-too-low", r.GCCores, a.QuotaCores)
		}
		f.Suggestion = sugg + "."
		rec := Recommendation{Finding: f}
		if a.Value > 0 && p > a.Value {
			rec.Env = env()
		}
		recs = append(recs, rec)
	}
	avail := float64(r.NumCPU)
	if a.QuotaCores > 0 {
		avail = a.QuotaCores
	}
	if r.HasSchedMetrics && avail >= float64(p+1) && (r.SchedLatP99 >= schedLatencyHigh || r.RunnableMean > float64(p)) && a.ThrottledShare < throttledShareWarn {
		f := newFinding(CheckGOMAXPROCSBelowQuota)
		want := int(math.Floor(avail))
		if a.Value > 0 {
			want = a.Value
		}
		f.Summary = fmt.Sprintf("GOMAXPROCS=%d (%s) while %.2f cores are available; scheduling latency p99 is %s with %.1f runnable goroutines on average.",
			p, r.GOMAXPROCS.Source, avail, r.SchedLatP99.Round(time.Microsecond), r.RunnableMean)
		f.Metrics = metrics()
		f.Metrics[MetricAvailableCores] = avail
		f.Suggestion = fmt.Sprintf("GOMAXPROCS=%d: goroutines queue for a P while CPU is free. %s", want, runtimeNote())
		recs = append(recs, Recommendation{Finding: f, Env: map[string]string{"GOMAXPROCS": strconv.Itoa(want)}})
	}
	return recs
}

func periodOf(r *Result) time.Duration {
	if r.Cgroup != nil {
		for _, l := range r.Cgroup.Levels {
			if l.CPUPeriodUs > 0 {
				return time.Duration(l.CPUPeriodUs) * time.Microsecond
			}
		}
	}
	return 100 * time.Millisecond
}
