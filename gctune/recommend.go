package gctune

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/gdiag/gdiag/report"

	"github.com/gdiag/gdiag/internal/units"
)

// Defaults of Objective.
const (
	DefaultHeadroom         = 0.1
	DefaultTargetGCCPUShare = 0.05
	// MinGCCores is the GC CPU, in cores, below which GOGC is not worth
	// tuning whatever its share: an idle process whose only work is a
	// capture's forced collections spends a large share of very little
	// CPU in GC (seen under -race: 30% of 0.01 cores).
	MinGCCores = 0.02
)

// gogcGrid is the GOGC values Recommend evaluates.
var gogcGrid = [...]int{25, 50, 75, 100, 150, 200, 300, 400, 600, 800}

// Objective is what Recommend optimises for. The zero value is the default.
type Objective struct {
	// MemoryBudgetBytes is the memory the Go runtime may use. Zero means the
	// smallest cgroup memory limit × (1 − Headroom); with no cgroup limit
	// there is no budget and only the CPU target applies.
	MemoryBudgetBytes int64
	// Headroom is the share of the cgroup limit kept free for non-Go
	// memory and overshoot; 0 means DefaultHeadroom (0.1).
	Headroom float64
	// TargetGCCPUShare is the GC CPU share to reach (on the basis the
	// input provides: see Result.ShareBasis); 0 means 0.05.
	TargetGCCPUShare float64
}

// resolved fills in the defaults.
func (o Objective) resolved(r *Result) Objective {
	if o.Headroom <= 0 || o.Headroom >= 1 {
		o.Headroom = DefaultHeadroom
	}
	if o.TargetGCCPUShare <= 0 {
		o.TargetGCCPUShare = DefaultTargetGCCPUShare
	}
	if o.MemoryBudgetBytes <= 0 && r.MemoryLimitBytes > 0 {
		o.MemoryBudgetBytes = int64(float64(r.MemoryLimitBytes) * (1 - o.Headroom))
		o.MemoryBudgetBytes -= o.MemoryBudgetBytes % (1 << 20)
	}
	return o
}

// Recommendation is one finding with, for GC settings, the settings to
// apply and the model's before/after prediction.
type Recommendation struct {
	Finding report.Finding `json:"finding"`
	// Env lists the environment settings to apply ("GOGC": "200"); empty
	// for warnings no setting fixes.
	Env map[string]string `json:"env,omitempty"`
	// Before and After are the model's predictions for the current and the
	// suggested settings; nil when not applicable.
	Before *Prediction `json:"before,omitempty"`
	After  *Prediction `json:"after,omitempty"`
}

// Findings returns the findings of r.Recommendations in order: most severe
// first, ties by check ID.
func (r *Result) Findings() []report.Finding {
	if r == nil {
		return nil
	}
	out := make([]report.Finding, len(r.Recommendations))
	for i, rec := range r.Recommendations {
		out[i] = rec.Finding
	}
	return out
}

// Recommend evaluates r against the objective and returns findings with
// concrete settings and their predicted effect, most severe first (ties by
// check ID). It returns nil for a healthy input. Pure; cost: a few dozen
// simulations of r.Workload.
func Recommend(r *Result, obj Objective) []Recommendation {
	if r == nil {
		return nil
	}
	o := obj.resolved(r)
	var recs []Recommendation
	growing := liveHeapGrowing(r)
	if growing != nil {
		recs = append(recs, *growing)
	}
	recs = append(recs, memoryChecks(r, o, growing != nil)...)
	if rec := gogcCheck(r, o, growing != nil); rec != nil {
		recs = append(recs, *rec)
	}
	if rec := ballastCheck(r, o); rec != nil {
		recs = append(recs, *rec)
	}
	recs = append(recs, maxprocsChecks(r)...)
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := recs[i].Finding, recs[j].Finding
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Check < b.Check
	})
	return recs
}

// liveHeapGrowing flags a live heap that grows steadily over the window.
func liveHeapGrowing(r *Result) *Recommendation {
	g, w := r.LiveHeapGrowthBytesPerSec, r.Window.Seconds()
	if g <= 0 || w <= 0 || r.LiveHeapGrowthR2 < 0.8 {
		return nil
	}
	grown := g * w
	start := float64(r.LiveHeapBytes) - grown
	if start <= 0 || grown/start < 0.1 {
		return nil
	}
	f := newFinding(CheckLiveHeapGrowing)
	f.Summary = fmt.Sprintf("The live heap grew from %s to %s in %s (%s/min, R² %.2f). GC settings cannot fix this: every setting only delays the out-of-memory.",
		humanBytes(int64(start)), humanBytes(r.LiveHeapBytes), r.Window.Round(1e6), humanBytes(int64(g*60)), r.LiveHeapGrowthR2)
	f.Metrics = map[string]float64{
		MetricLiveHeapBytes:       float64(r.LiveHeapBytes),
		MetricGrowthBytesPerSec:   g,
		MetricGrowthR2:            r.LiveHeapGrowthR2,
		MetricGrowthShareOfWindow: grown / start,
		MetricWindowSeconds:       w,
	}
	f.Evidence = []string{fmt.Sprintf("live heap slope %.0f B/s over %.0f s, R² %.2f", g, w, r.LiveHeapGrowthR2)}
	if limit := effectiveLimit(r); limit > 0 {
		left := float64(limit-r.Model.NonHeapBytes) - float64(r.LiveHeapBytes)
		if left > 0 {
			f.Metrics[MetricSecondsToLimit] = left / g
			f.Evidence = append(f.Evidence, fmt.Sprintf("at this rate the live heap reaches the memory limit (%s) in %.0f s", humanBytes(limit), left/g))
		}
	}
	f.Suggestion = "Find what retains memory: see the leaks/* findings in this report (leaked goroutines hold their stacks and everything they reference) and diff two heap profiles (go tool pprof -diff_base old.pb.gz new.pb.gz). Do not lower GOMEMLIMIT to contain it: that turns the leak into a GC death spiral."
	return &Recommendation{Finding: f}
}

// effectiveLimit is the smaller of GOMEMLIMIT and the cgroup limit, 0 if none.
func effectiveLimit(r *Result) int64 {
	l := int64(0)
	if v := r.GOMEMLIMIT.Value; v > 0 && v < NoLimit {
		l = v
	}
	if r.MemoryLimitBytes > 0 && (l == 0 || r.MemoryLimitBytes < l) {
		l = r.MemoryLimitBytes
	}
	return l
}

func memoryChecks(r *Result, o Objective, growing bool) []Recommendation {
	var recs []Recommendation
	cur := r.Current()
	before := r.Baseline
	limitSet := cur.hasLimit()
	live := r.LiveHeapMaxBytes
	if live == 0 {
		live = r.LiveHeapBytes
	}

	// Death spiral: the limit leaves little room above the live heap.
	if limitSet {
		room := float64(cur.MemoryLimitBytes-r.Model.NonHeapBytes) / float64(max(live, 1))
		if room < 1.25 || before.LimiterActive || r.LimiterActive {
			f := newFinding(CheckGOMEMLIMITNearLive)
			if !before.LimiterActive && !r.LimiterActive {
				f.Severity = report.SeverityHigh
			}
			f.Summary = fmt.Sprintf("GOMEMLIMIT=%s leaves %.0f%% above the %s live heap: GC runs back to back (%.1f cycles/s, GC CPU %.0f%%).",
				units.MemLimit(cur.MemoryLimitBytes), (room-1)*100, humanBytes(live), r.CyclesPerSec, r.GCCPUShare*100)
			f.Metrics = map[string]float64{
				MetricGOMEMLIMITBytes: float64(cur.MemoryLimitBytes),
				MetricLiveHeapBytes:   float64(live),
				MetricLimitToLive:     room,
				MetricCyclesPerSec:    r.CyclesPerSec,
				MetricGCCPUShare:      r.GCCPUShare,
				MetricGCCPUSharePred:  before.GCCPUShare,
			}
			if r.LimiterActive {
				f.Evidence = append(f.Evidence, "the GC CPU limiter was enabled during the window (/gc/limiter/last-enabled)")
			}
			if before.LimiterActive {
				f.Evidence = append(f.Evidence, fmt.Sprintf("the model predicts the limiter capping GC at 50%% of GOMAXPROCS %.0f%% of the time, the heap overshooting to %s", before.LimiterTimeShare*100, humanBytes(before.PeakHeapBytes)))
			}
			rec := Recommendation{Finding: f, Before: ptr(before)}
			// Raise the limit to give at least a GOGC=100 runway, within budget.
			want := int64(float64(live)*2.2) + r.Model.NonHeapBytes
			if o.MemoryBudgetBytes > 0 {
				want = min(want, o.MemoryBudgetBytes)
			}
			want -= want % (1 << 20)
			if want > cur.MemoryLimitBytes {
				c := Candidate{GOGC: cur.GOGC, MemoryLimitBytes: want}
				after := Simulate(r.Model, c, r.Workload)
				rec.After, rec.Env = ptr(after), map[string]string{"GOMEMLIMIT": units.MemLimit(want)}
				f.Suggestion = fmt.Sprintf("GOMEMLIMIT=%s: predicted GC CPU %.0f%% → %.0f%%, %.1f → %.1f cycles/s, peak heap %s.",
					units.MemLimit(want), before.GCCPUShare*100, after.GCCPUShare*100, before.CyclesPerSec, after.CyclesPerSec, humanBytes(after.PeakHeapBytes))
				f.Metrics[MetricGCCPUShareAfter] = after.GCCPUShare
				f.Metrics[MetricGOMEMLIMITAfterBytes] = float64(want)
			} else {
				f.Suggestion = fmt.Sprintf("The memory budget (%s) cannot hold this live heap with room to collect: raise the container memory limit or shrink the live heap; until then a higher GOMEMLIMIT only trades the death spiral for an OOM kill.", humanBytes(o.MemoryBudgetBytes))
			}
			if growing {
				f.Suggestion += " The live heap is growing (see gctune/live-heap-growing): fix that first."
			}
			rec.Finding = f
			recs = append(recs, rec)
		}
	}

	// No headroom below the cgroup limit.
	if cg := r.MemoryLimitBytes; cg > 0 {
		over := limitSet && float64(cur.MemoryLimitBytes) > 0.95*float64(cg)
		near := r.PeakTotalMemoryBytes > 0 && float64(r.PeakTotalMemoryBytes) > 0.95*float64(cg)
		if over || near {
			f := newFinding(CheckNoHeadroom)
			f.Metrics = map[string]float64{
				MetricCgroupMemoryLimitBytes: float64(cg),
				MetricPeakTotalMemoryBytes:   float64(r.PeakTotalMemoryBytes),
				MetricBudgetBytes:            float64(o.MemoryBudgetBytes),
			}
			if over {
				f.Metrics[MetricGOMEMLIMITBytes] = float64(cur.MemoryLimitBytes)
				f.Evidence = append(f.Evidence, fmt.Sprintf("GOMEMLIMIT=%s is %.0f%% of the cgroup limit %s (%s)", units.MemLimit(cur.MemoryLimitBytes), 100*float64(cur.MemoryLimitBytes)/float64(cg), humanBytes(cg), r.MemoryLimitPath))
			}
			if near {
				f.Evidence = append(f.Evidence, fmt.Sprintf("Go runtime memory peaked at %s, %.0f%% of the cgroup limit", humanBytes(r.PeakTotalMemoryBytes), 100*float64(r.PeakTotalMemoryBytes)/float64(cg)))
			}
			f.Summary = fmt.Sprintf("Less than 5%% of the %s cgroup memory limit is left for non-Go memory and limiter overshoot.", humanBytes(cg))
			c := Candidate{GOGC: cur.GOGC, MemoryLimitBytes: o.MemoryBudgetBytes}
			after := Simulate(r.Model, c, r.Workload)
			f.Suggestion = fmt.Sprintf("GOMEMLIMIT=%s (%.0f%% headroom): predicted peak Go memory %s (%.0f%% of the limit), GC CPU %.0f%% → %.0f%%.",
				units.MemLimit(o.MemoryBudgetBytes), o.Headroom*100, humanBytes(after.PeakTotalMemoryBytes), 100*float64(after.PeakTotalMemoryBytes)/float64(cg), before.GCCPUShare*100, after.GCCPUShare*100)
			f.Metrics[MetricPeakTotalMemoryAfterBytes] = float64(after.PeakTotalMemoryBytes)
			f.Metrics[MetricGCCPUShareAfter] = after.GCCPUShare
			recs = append(recs, Recommendation{Finding: f, Env: map[string]string{"GOMEMLIMIT": units.MemLimit(o.MemoryBudgetBytes)}, Before: ptr(before), After: ptr(after)})
		}
	}

	// GOMEMLIMIT unset under a cgroup limit.
	if !limitSet && r.MemoryLimitBytes > 0 && o.MemoryBudgetBytes > 0 {
		f := newFinding(CheckGOMEMLIMITUnset)
		c := Candidate{GOGC: cur.GOGC, MemoryLimitBytes: o.MemoryBudgetBytes}
		after := Simulate(r.Model, c, r.Workload)
		// What a doubling of the live heap (a spike) would need without a limit.
		spikeGoal, _ := r.Model.HeapGoal(cur, 2*max(live, 1), r.StacksBytes+r.GlobalsBytes)
		f.Summary = fmt.Sprintf("The cgroup allows %s but GOMEMLIMIT is unset: the runtime targets %s of heap (GOGC=%s) and would need %s if the live heap doubled, with no reason to collect sooner before the OOM kill.",
			humanBytes(r.MemoryLimitBytes), humanBytes(before.HeapGoalBytes), gogcString(cur.GOGC), humanBytes(spikeGoal+r.Model.NonHeapBytes))
		f.Metrics = map[string]float64{
			MetricCgroupMemoryLimitBytes: float64(r.MemoryLimitBytes),
			MetricBudgetBytes:            float64(o.MemoryBudgetBytes),
			MetricHeapGoalBytes:          float64(before.HeapGoalBytes),
			MetricSpikeHeapGoalBytes:     float64(spikeGoal),
			MetricGCCPUShareAfter:        after.GCCPUShare,
			MetricPeakTotalMemoryAfter:   float64(after.PeakTotalMemoryBytes),
		}
		if before.PeakTotalMemoryBytes > o.MemoryBudgetBytes {
			f.Severity = report.SeverityHigh
			f.Evidence = append(f.Evidence, fmt.Sprintf("predicted peak Go memory %s already exceeds the budget %s", humanBytes(before.PeakTotalMemoryBytes), humanBytes(o.MemoryBudgetBytes)))
		}
		if cur.GOGC == Off {
			f.Severity = report.SeverityCritical
			f.Evidence = append(f.Evidence, "GOGC=off without GOMEMLIMIT: the heap is never collected")
		}
		f.Suggestion = fmt.Sprintf("GOMEMLIMIT=%s (the %s limit of %s less %.0f%% headroom): predicted peak Go memory %s, GC CPU %.1f%% (now %.1f%%); GC runs more often only if memory approaches the budget.",
			units.MemLimit(o.MemoryBudgetBytes), humanBytes(r.MemoryLimitBytes), r.MemoryLimitPath, o.Headroom*100, humanBytes(after.PeakTotalMemoryBytes), after.GCCPUShare*100, before.GCCPUShare*100)
		if growing {
			f.Suggestion += " With a growing live heap the limit will end in a GC death spiral; fix the leak first."
		}
		recs = append(recs, Recommendation{Finding: f, Env: map[string]string{"GOMEMLIMIT": units.MemLimit(o.MemoryBudgetBytes)}, Before: ptr(before), After: ptr(after)})
	}
	return recs
}

// Explore returns the model's prediction for each candidate.
func Explore(r *Result, cands []Candidate) []Prediction {
	out := make([]Prediction, len(cands))
	for i, c := range cands {
		out[i] = Simulate(r.Model, c, r.Workload)
	}
	return out
}

// gogcCheck recommends a higher GOGC when GC CPU exceeds the target.
func gogcCheck(r *Result, o Objective, growing bool) *Recommendation {
	cur := r.Current()
	before := r.Baseline
	if cur.GOGC < 0 || r.Model.Cycles == 0 || before.GCCPUShare <= o.TargetGCCPUShare || r.GCCPUShare <= o.TargetGCCPUShare {
		return nil
	}
	// GOGC paces only the cycles the heap starts: none when every cycle
	// was forced (runtime.GC, a heap or goroutineleak profile taken by a
	// collector), and too little to tune below MinGCCores.
	if (r.Cycles > 0 && r.Forced >= r.Cycles) || (r.GCCores > 0 && r.GCCores < MinGCCores) {
		return nil
	}
	limit := cur.MemoryLimitBytes
	if o.MemoryBudgetBytes > 0 && (!cur.hasLimit() || o.MemoryBudgetBytes < limit) {
		limit = o.MemoryBudgetBytes
	}
	var best *Prediction
	for _, g := range gogcGrid {
		if g <= cur.GOGC {
			continue
		}
		p := Simulate(r.Model, Candidate{GOGC: g, MemoryLimitBytes: limit}, r.Workload)
		feasible := !p.LimiterActive && (o.MemoryBudgetBytes <= 0 || p.PeakTotalMemoryBytes <= o.MemoryBudgetBytes)
		if !feasible {
			break
		}
		best = &p
		if p.GCCPUShare <= o.TargetGCCPUShare {
			break
		}
	}
	if best == nil || best.GCCPUShare > 0.9*before.GCCPUShare {
		return nil
	}
	f := newFinding(CheckGOGCTooLow)
	switch {
	case r.GCCPUShare > 0.25:
		f.Severity = report.SeverityHigh
	case r.GCCPUShare > 0.10:
		f.Severity = report.SeverityMedium
	default:
		f.Severity = report.SeverityLow
	}
	env := map[string]string{"GOGC": strconv.Itoa(best.Candidate.GOGC)}
	if best.Candidate.hasLimit() {
		env["GOMEMLIMIT"] = units.MemLimit(best.Candidate.MemoryLimitBytes)
	}
	f.Summary = fmt.Sprintf("GC takes %.1f%% of CPU (%s basis, target %.0f%%) at GOGC=%s with a %s live heap allocating %s/s.",
		r.GCCPUShare*100, r.ShareBasis, o.TargetGCCPUShare*100, gogcString(cur.GOGC), humanBytes(r.LiveHeapBytes), humanBytes(int64(r.AllocBytesPerSec)))
	f.Evidence = []string{
		fmt.Sprintf("%.2f cycles/s; GC CPU split: dedicated %.1f%%, assist %.1f%%, idle %.1f%%, pause %.1f%%", r.CyclesPerSec, r.DedicatedShare*100, r.AssistShare*100, r.IdleShare*100, r.PauseShare*100),
		fmt.Sprintf("model calibrated on %d cycles: %.2f ns/byte of live heap + roots per cycle", r.Model.Cycles, r.Model.CPUPerByte*1e9),
	}
	f.Suggestion = fmt.Sprintf("%s: predicted GC CPU %.1f%% → %.1f%%, cycles %.2f → %.2f/s, peak heap %s → %s.",
		best.Candidate, before.GCCPUShare*100, best.GCCPUShare*100, before.CyclesPerSec, best.CyclesPerSec, humanBytes(before.PeakHeapBytes), humanBytes(best.PeakHeapBytes))
	if best.GCCPUShare > o.TargetGCCPUShare {
		f.Suggestion += fmt.Sprintf(" The %.0f%% target is out of reach within the memory budget.", o.TargetGCCPUShare*100)
	}
	if growing {
		f.Suggestion += " The live heap is growing: this only buys time (see gctune/live-heap-growing)."
	}
	f.Metrics = map[string]float64{
		MetricGCCPUShare:             r.GCCPUShare,
		MetricGCCPUShareBefore:       before.GCCPUShare,
		MetricGCCPUShareAfter:        best.GCCPUShare,
		MetricCyclesPerSecBefore:     before.CyclesPerSec,
		MetricCyclesPerSecAfter:      best.CyclesPerSec,
		MetricPeakHeapBytesBefore:    float64(before.PeakHeapBytes),
		MetricPeakHeapBytesAfter:     float64(best.PeakHeapBytes),
		MetricGOGCBefore:             float64(cur.GOGC),
		MetricGOGCAfter:              float64(best.Candidate.GOGC),
		MetricTargetGCCPUShare:       o.TargetGCCPUShare,
		MetricAllocBytesPerSec:       r.AllocBytesPerSec,
		MetricLiveHeapBytes:          float64(r.LiveHeapBytes),
		MetricModelCPUNSPerByte:      r.Model.CPUPerByte * 1e9,
		MetricMemoryBudgetBytes:      float64(o.MemoryBudgetBytes),
		MetricPeakTotalMemoryAfter:   float64(best.PeakTotalMemoryBytes),
		MetricLimiterTimeShareAfter:  best.LimiterTimeShare,
		MetricGCCoresAfter:           best.GCCores,
		MetricGCCoresBefore:          before.GCCores,
		MetricObservedCyclesPerSec:   r.CyclesPerSec,
		MetricModelRunwayRatio:       r.Model.RunwayRatio,
		MetricModelCalibrationCycles: float64(r.Model.Cycles),
		MetricModelFixedCPUPerCycle:  r.Model.FixedCPUPerCycle.Seconds(),
	}
	return &Recommendation{Finding: f, Env: env, Before: ptr(before), After: best}
}

// ballastCheck flags a live heap larger than the resident memory.
func ballastCheck(r *Result, o Objective) *Recommendation {
	if r.RSSBytes <= 0 || r.LiveHeapBytes <= 0 {
		return nil
	}
	untouched := r.LiveHeapBytes - r.RSSBytes
	if untouched < 32<<20 || float64(r.LiveHeapBytes) < 1.2*float64(r.RSSBytes) {
		return nil
	}
	f := newFinding(CheckBallast)
	f.Summary = fmt.Sprintf("The live heap (%s) exceeds the resident memory (%s) by %s: a large allocation that is never touched, i.e. a heap ballast.",
		humanBytes(r.LiveHeapBytes), humanBytes(r.RSSBytes), humanBytes(untouched))
	f.Metrics = map[string]float64{
		MetricLiveHeapBytes:        float64(r.LiveHeapBytes),
		MetricRSSBytes:             float64(r.RSSBytes),
		MetricBallastBytesEstimate: float64(untouched),
	}
	if r.ScanHeapBytes > 0 {
		f.Metrics[MetricScanHeapBytes] = float64(r.ScanHeapBytes)
		f.Evidence = append(f.Evidence, fmt.Sprintf("only %s of the heap is scannable (/gc/scan/heap)", humanBytes(r.ScanHeapBytes)))
	}
	// Without the ballast, the same heap goal needs GOGC = goal/live' - 1.
	real := r.LiveHeapBytes - untouched
	cur := r.Current()
	goal, _ := r.Model.HeapGoal(cur, r.LiveHeapBytes, r.StacksBytes+r.GlobalsBytes)
	env := map[string]string{}
	if real > 0 && goal < math.MaxInt64 {
		g := int(float64(goal-real) / float64(real+r.StacksBytes+r.GlobalsBytes) * 100)
		g = max(g-g%10, 100)
		env["GOGC"] = strconv.Itoa(g)
		f.Metrics[MetricGOGCAfter] = float64(g)
		f.Suggestion = fmt.Sprintf("Remove the ballast and set GOGC=%d", g)
	} else {
		f.Suggestion = "Remove the ballast"
	}
	if o.MemoryBudgetBytes > 0 {
		env["GOMEMLIMIT"] = units.MemLimit(o.MemoryBudgetBytes)
		f.Suggestion += " GOMEMLIMIT=" + units.MemLimit(o.MemoryBudgetBytes)
	}
	f.Suggestion += fmt.Sprintf(": the same %s heap goal without the ballast, and live-heap metrics that mean something again.", humanBytes(goal))
	return &Recommendation{Finding: f, Env: env}
}

func newFinding(id string) report.Finding {
	return report.Finding{Check: id, Severity: severityOf(id), Title: titleOf(id)}
}

func gogcString(g int) string {
	if g < 0 {
		return "off"
	}
	return strconv.Itoa(g)
}

func ptr[T any](v T) *T { return &v }

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
