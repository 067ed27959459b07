package gctune

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gdiag/gdiag/report"

	"github.com/gdiag/gdiag/internal/units"
)

// Section IDs.
const (
	SectionGCSummary       = "gc-summary"
	SectionRecommendations = "gc-recommendations"
	SectionWhatIf          = "gc-what-if"
	SectionGOMAXPROCS      = "gomaxprocs"
)

// whatIfGrid is the GOGC column of the bundle what-if table.
var whatIfGrid = [...]int{50, 100, 200, 400}

// Sections renders the analysis for a report: the GC summary (observed and
// modelled), the recommendations with before/after figures, a what-if table
// of GOGC values for the recorded load, and GOMAXPROCS against the cgroup
// quotas when there is a cgroup. Nil r gives nil.
func (r *Result) Sections() []report.Section {
	if r == nil {
		return nil
	}
	return sections(r, r.Recommendations)
}

func sections(r *Result, recs []Recommendation) []report.Section {
	if r == nil {
		return nil
	}
	out := []report.Section{summarySection(r)}
	if len(recs) > 0 {
		t := report.Table{Columns: []string{"check", "apply", "GC CPU before", "GC CPU after", "cycles/s before", "cycles/s after", "peak heap before", "peak heap after"}}
		for _, rec := range recs {
			row := []string{rec.Finding.Check, envString(rec.Env), "", "", "", "", "", ""}
			if rec.Before != nil {
				row[2], row[4], row[6] = pct(rec.Before.GCCPUShare), fmt.Sprintf("%.2f", rec.Before.CyclesPerSec), humanBytes(rec.Before.PeakHeapBytes)
			}
			if rec.After != nil {
				row[3], row[5], row[7] = pct(rec.After.GCCPUShare), fmt.Sprintf("%.2f", rec.After.CyclesPerSec), humanBytes(rec.After.PeakHeapBytes)
			}
			t.Rows = append(t.Rows, row)
		}
		out = append(out, report.Section{ID: SectionRecommendations, Title: "GC and scheduler recommendations", Tables: []report.Table{t},
			Notes: []string{"Before/after figures are the model's predictions for the recorded load; compare the GC summary for how well the model reproduces the observed figures."}})
	}
	if r.Model.Cycles > 0 && len(r.Workload.Segments) > 0 {
		cur := r.Current()
		cands := make([]Candidate, 0, len(whatIfGrid)+1)
		for _, g := range whatIfGrid {
			cands = append(cands, Candidate{GOGC: g, MemoryLimitBytes: cur.MemoryLimitBytes})
		}
		if cur.hasLimit() {
			cands = append(cands, Candidate{GOGC: Off, MemoryLimitBytes: cur.MemoryLimitBytes})
		}
		s := WhatIfSection(Explore(r, cands))
		s.Notes = append(s.Notes, "Predictions for the recorded load, with the current memory limit.")
		out = append(out, s)
	}
	if r.Cgroup != nil && len(r.Cgroup.Levels) > 0 {
		out = append(out, maxprocsSection(r))
	}
	return out
}

// WhatIfSection renders predictions (from WhatIf or Explore) as a table.
func WhatIfSection(preds []Prediction) report.Section {
	t := report.Table{Columns: []string{"setting", "cycles/s", "GC CPU", "GC cores", "heap goal", "peak heap", "peak Go memory", "limiter"}}
	for _, p := range preds {
		lim := "no"
		if p.LimiterActive {
			lim = fmt.Sprintf("yes (%.0f%% of time)", p.LimiterTimeShare*100)
		}
		t.Rows = append(t.Rows, []string{p.Candidate.String(), fmt.Sprintf("%.2f", p.CyclesPerSec), pct(p.GCCPUShare) + " of " + string(p.ShareBasis),
			fmt.Sprintf("%.3f", p.GCCores), humanBytes(p.HeapGoalBytes), humanBytes(p.PeakHeapBytes), humanBytes(p.PeakTotalMemoryBytes), lim})
	}
	return report.Section{ID: SectionWhatIf, Title: "GC what-if", Tables: []report.Table{t}}
}

func summarySection(r *Result) report.Section {
	t := report.Table{Columns: []string{"figure", "observed", "model"}}
	add := func(name, obs, model string) { t.Rows = append(t.Rows, []string{name, obs, model}) }
	b := r.Baseline
	add("window", r.Window.Round(time.Millisecond).String(), "")
	add("GC cycles", fmt.Sprintf("%d (%d forced)", r.Cycles, r.Forced), "")
	add("cycles/s", fmt.Sprintf("%.2f", r.CyclesPerSec), fmt.Sprintf("%.2f", b.CyclesPerSec))
	add("GC CPU share ("+string(r.ShareBasis)+")", pct(r.GCCPUShare), pct(b.GCCPUShare))
	add("  dedicated / assist / idle / pause", fmt.Sprintf("%s / %s / %s / %s", pct(r.DedicatedShare), pct(r.AssistShare), pct(r.IdleShare), pct(r.PauseShare)), "")
	add("GC cores", fmt.Sprintf("%.3f", r.GCCores), fmt.Sprintf("%.3f", b.GCCores))
	if r.MutatorCores > 0 {
		add("mutator cores", fmt.Sprintf("%.3f", r.MutatorCores), "")
	}
	if r.ScavengeCores > 0 {
		add("scavenger cores", fmt.Sprintf("%.4f", r.ScavengeCores), "")
	}
	add("pause p50 / p99 / max", fmt.Sprintf("%s / %s / %s", r.PauseP50, r.PauseP99, r.PauseMax), "")
	add("live heap (max)", fmt.Sprintf("%s (%s)", humanBytes(r.LiveHeapBytes), humanBytes(r.LiveHeapMaxBytes)), "")
	add("heap goal", humanBytes(r.HeapGoalBytes), humanBytes(b.HeapGoalBytes))
	add("peak heap", humanBytes(r.PeakHeapBytes), humanBytes(b.PeakHeapBytes))
	if r.PeakTotalMemoryBytes > 0 {
		add("peak Go memory", humanBytes(r.PeakTotalMemoryBytes), humanBytes(b.PeakTotalMemoryBytes))
	}
	add("allocation rate", humanBytes(int64(r.AllocBytesPerSec))+"/s", "")
	add("stacks / globals (scannable)", humanBytes(r.StacksBytes)+" / "+humanBytes(r.GlobalsBytes), "")
	add("live heap growth", humanBytes(int64(r.LiveHeapGrowthBytesPerSec*60))+"/min", fmt.Sprintf("R² %.2f", r.LiveHeapGrowthR2))
	add("GOGC", settingString(r.GOGC.Value, gogcString(int(r.GOGC.Value)), string(r.GOGC.Source)), inferred(r))
	lim := "none"
	if v := r.GOMEMLIMIT.Value; v > 0 && v < NoLimit {
		lim = units.MemLimit(v)
	}
	add("GOMEMLIMIT", settingString(r.GOMEMLIMIT.Value, lim, string(r.GOMEMLIMIT.Source)), "")
	add("GOMAXPROCS", settingString(r.GOMAXPROCS.Value, fmt.Sprint(r.GOMAXPROCS.Value), string(r.GOMAXPROCS.Source)), "")
	if r.MemoryLimitBytes > 0 {
		add("cgroup memory limit", humanBytes(r.MemoryLimitBytes)+" ("+r.MemoryLimitPath+")", "")
	}
	add("model", fmt.Sprintf("%d cycles", r.Model.Cycles), fmt.Sprintf("%.3f ns/byte + %s per cycle, runway ratio %.2f", r.Model.CPUPerByte*1e9, r.Model.FixedCPUPerCycle, r.Model.RunwayRatio))
	s := report.Section{ID: SectionGCSummary, Title: "GC summary", Tables: []report.Table{t}}
	s.Notes = append(s.Notes, r.Warnings...)
	return s
}

func maxprocsSection(r *Result) report.Section {
	a := AdviseMaxProcs(r)
	t := report.Table{Columns: []string{"level", "path", "CPU quota", "throttled periods", "throttled time", "memory limit"}}
	for i, l := range r.Cgroup.Levels {
		q, m := "none", "none"
		if l.CPUQuotaCores > 0 {
			q = fmt.Sprintf("%.2f cores", l.CPUQuotaCores)
		}
		if l.MemoryLimitBytes > 0 {
			m = humanBytes(l.MemoryLimitBytes)
		}
		thr := "-"
		if l.NrPeriods > 0 {
			thr = fmt.Sprintf("%d / %d (%.1f%%)", l.NrThrottled, l.NrPeriods, 100*float64(l.NrThrottled)/float64(l.NrPeriods))
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(i), l.Path, q, thr, l.ThrottledTime.Round(time.Millisecond).String(), m})
	}
	s := report.Section{ID: SectionGOMAXPROCS, Title: "GOMAXPROCS and CPU quotas", Tables: []report.Table{t}}
	s.Notes = append(s.Notes, fmt.Sprintf("GOMAXPROCS=%d (%s); NumCPU=%d.", r.GOMAXPROCS.Value, r.GOMAXPROCS.Source, r.NumCPU))
	if a.Value > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("Recommended GOMAXPROCS=%d: %s. The Go 1.25+ default from the innermost quota would be %d.", a.Value, a.Reason, a.RuntimeDefault))
	}
	return s
}

func settingString(v int64, shown, source string) string {
	if source == "" {
		return shown
	}
	return shown + " (" + source + ")"
}

func inferred(r *Result) string {
	if r.GOGCInferred > 0 {
		return fmt.Sprintf("≈%.0f from the heap goals", r.GOGCInferred)
	}
	return ""
}

func envString(env map[string]string) string {
	parts := make([]string, 0, len(env))
	for _, k := range sortedKeys(env) {
		parts = append(parts, k+"="+env[k])
	}
	return strings.Join(parts, " ")
}

func pct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", f*100)
}
