package gctune

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gdiag/gdiag/bundle"

	"github.com/gdiag/gdiag/internal/units"
)

// Off is the Candidate.GOGC value that turns the GOGC-driven collector off
// (GOGC=off), leaving only the memory limit.
const Off = -1

// Runtime constants the model mirrors (runtime/mgcpacer.go).
const (
	minHeapBytes            = 4 << 20 // defaultHeapMinimum at GOGC=100
	limitHeadroomPercent    = 3       // memoryLimitHeapGoalHeadroomPercent
	limitMinHeadroomBytes   = 1 << 20 // memoryLimitMinHeapGoalHeadroom
	limiterShare            = 0.5     // the GC CPU limiter's cap
	defaultRunwayRatio      = 0.9
	minRunwayRatio          = 0.3
	maxRunwayRatio          = 1.5
	minRootsForProportional = 0.1       // coefficient of variation below which the fixed cost is not fitted
	minTriggerShare         = 45.0 / 64 // minTriggerRatioNum / triggerRatioDen
	maxTriggerShare         = 61.0 / 64 // maxTriggerRatioNum / triggerRatioDen
	goalUtilization         = 0.25      // gcGoalUtilization
	minAffineR2             = 0.5       // below this the cost is taken as proportional
	maxSelfError            = 0.1       // the pacer form's allowed miss of its own calibration run
)

// Model is the GC cost model of the Go GC guide, calibrated from observed
// cycles: each cycle costs FixedCPUPerCycle + CPUPerByte × (live heap +
// roots) of CPU; a cycle starts after the mutator has allocated RunwayRatio ×
// (heap goal − live heap) bytes; the heap goal is
// live + (live + roots) × GOGC/100, capped by the memory-limit goal
// (limit − NonHeapBytes, less 3%), and GC CPU is capped at 50% of GOMAXPROCS
// by the limiter (then the heap overshoots the limit).
type Model struct {
	// FixedCPUPerCycle is the per-cycle CPU that does not scale with the heap.
	FixedCPUPerCycle time.Duration `json:"fixed_cpu_per_cycle_ns"`
	// CPUPerByte is GC CPU seconds per byte of live heap + roots per cycle.
	CPUPerByte float64 `json:"cpu_per_byte_s"`
	// RunwayRatio is the share of the runway (goal − live) allocated per
	// cycle, as observed (the pacer triggers before the goal; a value over 1
	// means the heap overshot the goal).
	RunwayRatio float64 `json:"runway_ratio"`
	// MarkSecondsPerByte is the wall time of the mark phase per byte of
	// live heap + roots, and PacerRunwayFactor the pacer's trigger runway
	// in units of the bytes allocated during marking. When both are set
	// (from a gctrace) Simulate reproduces the pacer's trigger: goal −
	// runway, clamped to [0.7, 0.95] of (goal − live); otherwise it uses
	// RunwayRatio.
	MarkSecondsPerByte float64 `json:"mark_seconds_per_byte,omitempty"`
	PacerRunwayFactor  float64 `json:"pacer_runway_factor,omitempty"`
	// NonHeapBytes is Go runtime memory outside the heap (stacks, metadata),
	// which counts against GOMEMLIMIT; 0 when unknown (gctrace alone).
	NonHeapBytes int64 `json:"non_heap_bytes"`
	// Cycles is how many observed cycles calibrated the model, FitR2 the R²
	// of the cost fit (0 when the cost was taken as purely proportional).
	Cycles int     `json:"cycles"`
	FitR2  float64 `json:"fit_r2"`
}

// Candidate is a setting to evaluate.
type Candidate struct {
	// GOGC in percent; Off (-1) for GOGC=off.
	GOGC int `json:"gogc"`
	// MemoryLimitBytes is GOMEMLIMIT; 0 or NoLimit for none.
	MemoryLimitBytes int64 `json:"memory_limit_bytes"`
}

// String renders the candidate as environment settings ("GOGC=200
// GOMEMLIMIT=3GiB").
func (c Candidate) String() string {
	g := "GOGC=off"
	if c.GOGC >= 0 {
		g = fmt.Sprintf("GOGC=%d", c.GOGC)
	}
	if c.hasLimit() {
		return g + " GOMEMLIMIT=" + units.MemLimit(c.MemoryLimitBytes)
	}
	return g
}

func (c Candidate) hasLimit() bool { return c.MemoryLimitBytes > 0 && c.MemoryLimitBytes < NoLimit }

// Segment is a stretch of steady load.
type Segment struct {
	Duration         time.Duration `json:"duration_ns"`
	AllocBytesPerSec float64       `json:"alloc_bytes_per_sec"`
	LiveHeapBytes    int64         `json:"live_heap_bytes"`
	// RootsBytes is scannable stacks + globals.
	RootsBytes int64 `json:"roots_bytes"`
	// MutatorCores is non-GC CPU; 0 when unknown.
	MutatorCores float64 `json:"mutator_cores"`
}

// Workload is the recorded load replayed by Simulate.
type Workload struct {
	Segments   []Segment `json:"segments"`
	GOMAXPROCS int       `json:"gomaxprocs"`
}

// Prediction is what the model expects under a candidate setting.
type Prediction struct {
	Candidate    Candidate `json:"candidate"`
	CyclesPerSec float64   `json:"cycles_per_sec"`
	// GCCores is GC CPU-seconds per second.
	GCCores float64 `json:"gc_cores"`
	// GCCPUShare is GC CPU over GC + mutator CPU, or over GOMAXPROCS when
	// the mutator CPU is unknown (ShareBasis says which).
	GCCPUShare float64    `json:"gc_cpu_share"`
	ShareBasis ShareBasis `json:"share_basis"`
	// HeapGoalBytes is the largest heap goal, PeakHeapBytes the largest heap
	// (at the end of marking) and PeakTotalMemoryBytes the peak heap plus
	// the non-heap runtime memory. With GOGC=off and no limit the heap grows
	// by the whole allocation volume.
	HeapGoalBytes        int64 `json:"heap_goal_bytes"`
	PeakHeapBytes        int64 `json:"peak_heap_bytes"`
	PeakTotalMemoryBytes int64 `json:"peak_total_memory_bytes"`
	// LimiterActive is set when the GC CPU limiter would cap GC CPU in some
	// segment; LimiterTimeShare is the share of time it would.
	LimiterActive    bool    `json:"limiter_active"`
	LimiterTimeShare float64 `json:"limiter_time_share"`
}

// CostPerCycle returns the model's CPU cost of one cycle.
func (m Model) CostPerCycle(liveBytes, rootsBytes int64) time.Duration {
	return m.FixedCPUPerCycle + time.Duration(m.CPUPerByte*float64(liveBytes+rootsBytes)*1e9)
}

// HeapGoal returns the heap goal for a live heap and roots under c, and
// whether the memory limit (not GOGC) sets it. math.MaxInt64 means no goal
// (GOGC=off without a limit).
func (m Model) HeapGoal(c Candidate, liveBytes, rootsBytes int64) (goal int64, byLimit bool) {
	goal = math.MaxInt64
	if c.GOGC >= 0 {
		g := float64(liveBytes) + float64(liveBytes+rootsBytes)*float64(c.GOGC)/100
		goal = int64(math.Min(math.Max(g, minHeapBytes*float64(c.GOGC)/100), math.MaxInt64/2))
	}
	if c.hasLimit() {
		lg := c.MemoryLimitBytes - m.NonHeapBytes
		head := max(lg/100*limitHeadroomPercent, limitMinHeadroomBytes)
		if lg < 2*head {
			lg = head
		} else {
			lg -= head
		}
		lg = max(lg, liveBytes)
		if lg < goal {
			return lg, true
		}
	}
	return goal, false
}

// Simulate replays the workload through candidate c and returns the
// predicted cycle rate, GC CPU and peak memory. Segments are treated as
// steady states (cycles much shorter than segments). Pure, O(segments).
func Simulate(m Model, c Candidate, w Workload) Prediction {
	p := Prediction{Candidate: c, ShareBasis: ShareBusy}
	kappa := m.RunwayRatio
	if kappa <= 0 {
		kappa = defaultRunwayRatio
	}
	procs := float64(w.GOMAXPROCS)
	var total, cycles, gcSec, mutSec, limited float64
	var cumAlloc float64
	mutatorKnown := true
	for _, s := range w.Segments {
		dt := s.Duration.Seconds()
		if dt <= 0 {
			continue
		}
		total += dt
		if s.MutatorCores <= 0 {
			mutatorKnown = false
		}
		mutSec += s.MutatorCores * dt
		cumAlloc += s.AllocBytesPerSec * dt
		goal, _ := m.HeapGoal(c, s.LiveHeapBytes, s.RootsBytes)
		if goal == math.MaxInt64 {
			// No GC at all: the heap holds everything allocated.
			peak := float64(s.LiveHeapBytes) + cumAlloc
			p.PeakHeapBytes = max(p.PeakHeapBytes, int64(math.Min(peak, math.MaxInt64/2)))
			p.HeapGoalBytes = math.MaxInt64
			continue
		}
		p.HeapGoalBytes = max(p.HeapGoalBytes, goal)
		cost := m.CostPerCycle(s.LiveHeapBytes, s.RootsBytes).Seconds()
		runway := m.allocPerCycle(kappa, goal, s)
		var f float64
		switch {
		case s.AllocBytesPerSec <= 0:
			f = 0
		case runway <= 0:
			f = math.Inf(1)
		default:
			f = s.AllocBytesPerSec / runway
		}
		g := f * cost
		peak := float64(s.LiveHeapBytes) + runway
		if procs > 0 && g > limiterShare*procs && cost > 0 {
			// The limiter caps GC CPU; cycles slow down and the heap grows
			// past the goal by what is allocated between them.
			g = limiterShare * procs
			f = g / cost
			peak = float64(s.LiveHeapBytes) + s.AllocBytesPerSec/f
			p.LimiterActive = true
			limited += dt
		} else if math.IsInf(f, 1) {
			f, g = 0, 0 // uncalibrated model: nothing to say
		}
		cycles += f * dt
		gcSec += g * dt
		p.PeakHeapBytes = max(p.PeakHeapBytes, int64(math.Min(peak, math.MaxInt64/2)))
	}
	if total == 0 {
		return p
	}
	p.CyclesPerSec = cycles / total
	p.GCCores = gcSec / total
	switch {
	case mutatorKnown && mutSec > 0:
		p.GCCPUShare = gcSec / (gcSec + mutSec)
	case procs > 0:
		p.GCCPUShare = p.GCCores / procs
		p.ShareBasis = ShareCapacity
	default:
		p.ShareBasis = ""
	}
	p.LimiterTimeShare = limited / total
	if p.PeakHeapBytes > 0 {
		p.PeakTotalMemoryBytes = p.PeakHeapBytes + m.NonHeapBytes
	}
	return p
}

// allocPerCycle returns the bytes allocated from the end of one cycle to
// the end of the next's marking.
func (m Model) allocPerCycle(kappa float64, goal int64, s Segment) float64 {
	t := float64(goal - s.LiveHeapBytes)
	if t <= 0 {
		return 0
	}
	if m.MarkSecondsPerByte <= 0 || m.PacerRunwayFactor <= 0 {
		return kappa * t
	}
	during := s.AllocBytesPerSec * m.MarkSecondsPerByte * float64(s.LiveHeapBytes+s.RootsBytes)
	lo := t * minTriggerShare
	hi := max(t*maxTriggerShare, t-minHeapBytes, lo)
	return clamp(t-m.PacerRunwayFactor*during, lo, hi) + during
}

// CalibrateTrace fits the model to gctrace cycles and derives the workload
// (one segment per interval between cycles). Forced and leak-check cycles do
// not calibrate the cost or runway. Pass steady-state cycles (Analyze drops
// the start-up ramp itself). Mutator CPU is unknown in a gctrace, so
// predictions from this workload give GC CPU as a share of GOMAXPROCS.
func CalibrateTrace(cs []Cycle) (Model, Workload) {
	var m Model
	var w Workload
	var xs, ys, kappas, markRates, rhos, rhoLower, consMark []float64
	for i, c := range cs {
		w.GOMAXPROCS = max(w.GOMAXPROCS, c.Procs)
		if c.Forced || c.LeakCheck {
			continue
		}
		work := float64(c.LiveBytes + c.RootsBytes())
		xs = append(xs, work)
		ys = append(ys, c.CPU().Seconds())
		if work > 0 && c.MarkClock > 0 {
			markRates = append(markRates, c.MarkClock.Seconds()/work)
			// The pacer's cons/mark estimate (runtime/mgcpacer.go) gives a
			// runway of consMark × (1−u)/u × scan work, i.e. this many
			// times the bytes allocated during marking.
			capacity := c.MarkClock.Seconds() * float64(max(c.Procs, 1))
			u := (c.AssistCPU + c.BackgroundCPU).Seconds() / capacity
			idle := c.IdleCPU.Seconds() / capacity
			if u < 1 {
				consMark = append(consMark, (1-goalUtilization)/goalUtilization*(u+idle)/(1-u))
			}
		}
		if i == 0 {
			continue
		}
		p := cs[i-1]
		dt := c.At - p.At
		if dt <= 0 {
			continue
		}
		grown := c.HeapEndBytes - p.LiveBytes
		w.Segments = append(w.Segments, Segment{
			Duration:         dt,
			AllocBytesPerSec: float64(max(grown, 0)) / dt.Seconds(),
			LiveHeapBytes:    p.LiveBytes,
			RootsBytes:       c.RootsBytes(),
		})
		t := float64(c.GoalBytes - p.LiveBytes)
		if t > 0 && grown > 0 {
			kappas = append(kappas, float64(grown)/t)
		}
		// Bytes allocated during marking and the pacer runway (goal −
		// trigger): unclamped triggers measure the runway factor, triggers
		// at the 0.7 floor only bound it from below.
		during := float64(grown) / dt.Seconds() * c.MarkClock.Seconds()
		if t > 0 && during > 0 {
			g := float64(c.GoalBytes - c.HeapStartBytes)
			switch share := g / t; {
			case share > 0.06 && share < 0.28:
				rhos = append(rhos, g/during)
			case share >= 0.28:
				rhoLower = append(rhoLower, g/during)
			}
		}
	}
	fitCost(&m, xs, ys, nil)
	m.RunwayRatio = medianRatio(kappas)
	if len(markRates) > 0 {
		m.MarkSecondsPerByte = median(markRates)
		switch {
		case len(rhos) >= 3:
			m.PacerRunwayFactor = median(rhos)
		case len(consMark) > 0:
			// The pacer uses the largest cons/mark of the last cycles.
			m.PacerRunwayFactor = slices.Max(consMark)
			if len(rhoLower) > 0 {
				m.PacerRunwayFactor = max(m.PacerRunwayFactor, median(rhoLower))
			}
		}
	}
	return m, w
}

// CalibrateHistory fits the model to a metrics history and derives the
// workload (one segment per sampling interval, with the mutator CPU).
func CalibrateHistory(h *bundle.MetricsHistory) (Model, Workload) {
	return calibrateHistory(steadySamples(historySamples(h)))
}

func calibrateHistory(ss []bundle.MetricsSample) (Model, Workload) {
	var m Model
	var w Workload
	if len(ss) < 2 {
		return m, w
	}
	// /cpu/classes metrics advance only when a GC cycle ends, so the
	// mutator CPU is spread over the whole window.
	first, last := ss[0], ss[len(ss)-1]
	mutator := 0.0
	if span := last.Time.Sub(first.Time).Seconds(); span > 0 {
		mutator = (last.CPUUserSeconds - first.CPUUserSeconds) / span
	}
	var xs, ys, ws, nonHeap, markRates []float64
	var allocated, runway, paced, pacedAlloc, pacedMark float64
	for i, s := range ss {
		w.GOMAXPROCS = int(s.GOMAXPROCS)
		nh := int64(s.TotalMemoryBytes) - int64(s.HeapReleasedBytes) - int64(s.HeapFreeMemBytes) - int64(s.HeapObjectsBytes)
		if nh > 0 {
			nonHeap = append(nonHeap, float64(nh))
		}
		if i == 0 {
			continue
		}
		p := ss[i-1]
		dt := s.Time.Sub(p.Time)
		sec := dt.Seconds()
		live, roots := int64(s.HeapLiveBytes), int64(s.ScanStackBytes+s.ScanGlobalsBytes)
		alloc := float64(s.HeapAllocBytes - p.HeapAllocBytes)
		w.Segments = append(w.Segments, Segment{
			Duration:         dt,
			AllocBytesPerSec: alloc / sec,
			LiveHeapBytes:    live,
			RootsBytes:       roots,
			MutatorCores:     mutator,
		})
		allocated += alloc
		n := float64(s.GCCycles - p.GCCycles)
		if n == 0 {
			continue
		}
		xs = append(xs, float64(live+roots))
		ys = append(ys, (s.GCTotalSeconds-p.GCTotalSeconds)/n)
		ws = append(ws, n)
		// Forced cycles do not wait for the runway to be used up.
		if pc := n - float64(s.GCCyclesForced-p.GCCyclesForced); pc > 0 && p.HeapGoalBytes > p.HeapLiveBytes {
			runway += pc * float64(p.HeapGoalBytes-p.HeapLiveBytes)
			// The background mark workers run at 25% of GOMAXPROCS while
			// marking, so their CPU per cycle gives the mark phase's wall
			// time (assists and idle workers come on top of them).
			if procs := float64(s.GOMAXPROCS); procs > 0 && live+roots > 0 && s.GCDedicatedSeconds > p.GCDedicatedSeconds && pc == n {
				mark := (s.GCDedicatedSeconds - p.GCDedicatedSeconds) / n / (goalUtilization * procs)
				markRates = append(markRates, mark/float64(live+roots))
				paced += n
				pacedAlloc += alloc
				pacedMark += n * alloc / sec * float64(live+roots) // × mark s/byte below
			}
		}
	}
	w.Segments = mergeSegments(w.Segments, costBlock)
	fitCost(&m, xs, ys, ws)
	if m.FixedCPUPerCycle == 0 && mutator > 0 && allocated > 0 {
		if k, ok := typicalCostRatio(ss); ok {
			span := last.Time.Sub(first.Time).Seconds()
			m.CPUPerByte = k * mutator / (allocated / span)
		}
	}
	if runway > 0 {
		m.RunwayRatio = clamp(allocated/runway, minRunwayRatio, maxRunwayRatio)
	} else {
		m.RunwayRatio = defaultRunwayRatio
	}
	if len(nonHeap) > 0 {
		m.NonHeapBytes = int64(median(nonHeap))
	}
	// The pacer's trigger (runtime/mgcpacer.go): goal − runway, where the
	// runway is what the pacer expects to be allocated while marking. From
	// the allocation per paced cycle A, the bytes allocated during marking
	// D and the runway t = goal − live: trigger − live = A − D, so the
	// pacer's runway is t − A + D, PacerRunwayFactor (t − A + D) / D.
	// Unlike a fixed RunwayRatio this carries over to other GOGC values: the
	// runway is an amount of allocation, not a share of t.
	// The mark rate is the median over intervals (a starved cycle marks
	// slowly), and D uses it as Simulate will. The pacer form is kept
	// unless it misses the calibration run's own cycle count by more than
	// maxSelfError and by more than the plain runway ratio does (which
	// matches it by construction, at this GOGC only).
	if len(markRates) >= 3 && paced > 0 && runway > 0 {
		mr := median(markRates)
		a, d, t := pacedAlloc/paced, pacedMark*mr/paced, runway/paced
		if d > 0 && t-a+d > 0 {
			pm := m
			pm.MarkSecondsPerByte, pm.PacerRunwayFactor = mr, (t-a+d)/d
			if observed := float64(last.GCCycles - first.GCCycles); observed > 0 {
				cur := Candidate{GOGC: int(last.GOGC), MemoryLimitBytes: last.GOMEMLIMIT}
				span := last.Time.Sub(first.Time).Seconds()
				errPacer := math.Abs(Simulate(pm, cur, w).CyclesPerSec*span/observed - 1)
				errRatio := math.Abs(Simulate(m, cur, w).CyclesPerSec*span/observed - 1)
				if errPacer <= max(errRatio, maxSelfError) {
					m = pm
				}
			}
		}
	}
	return m, w
}

// mergeSegments joins consecutive segments until each lasts at least minDur
// (time-weighted means of the rates and sizes). Simulate treats a segment
// as a steady state of many cycles; a sampling interval shorter than a
// cycle is not one, and its allocation burst would pass for the peak.
func mergeSegments(segs []Segment, minDur time.Duration) []Segment {
	var out []Segment
	var acc Segment
	var alloc, live, roots, mut float64
	flush := func() {
		sec := acc.Duration.Seconds()
		acc.AllocBytesPerSec, acc.LiveHeapBytes, acc.RootsBytes, acc.MutatorCores = alloc/sec, int64(live/sec), int64(roots/sec), mut/sec
		out = append(out, acc)
		acc, alloc, live, roots, mut = Segment{}, 0, 0, 0, 0
	}
	for _, s := range segs {
		sec := s.Duration.Seconds()
		if sec <= 0 {
			continue
		}
		acc.Duration += s.Duration
		alloc += s.AllocBytesPerSec * sec
		live += float64(s.LiveHeapBytes) * sec
		roots += float64(s.RootsBytes) * sec
		mut += s.MutatorCores * sec
		if acc.Duration >= minDur {
			flush()
		}
	}
	if acc.Duration > 0 {
		if len(out) > 0 && acc.Duration < minDur/2 {
			// A short tail joins the last segment.
			last := out[len(out)-1]
			out = out[:len(out)-1]
			ls := last.Duration.Seconds()
			acc.Duration += last.Duration
			alloc += last.AllocBytesPerSec * ls
			live += float64(last.LiveHeapBytes) * ls
			roots += float64(last.RootsBytes) * ls
			mut += last.MutatorCores * ls
		}
		flush()
	}
	return out
}

// Cost blocks of typicalCostRatio.
const (
	costBlock     = 2 * time.Second
	minCostBlocks = 5
)

// typicalCostRatio returns the median over blocks of about two seconds of
// the GC's cost per byte of live heap and roots per cycle times the bytes
// allocated per second of mutator CPU: the quantity the GC CPU share
// depends on (share = k·x/runway / (k·x/runway + 1) for a live heap + roots x).
// Blocks start and end at samples in which a cycle ended, since the
// /cpu/classes counters advance only then.
//
// The runtime books GC and user CPU as wall time. When the process is
// starved of CPU (a noisy neighbour, cgroup throttling) a cycle stretches
// and its idle-priority mark workers fill the Ps the blocked mutator
// leaves: GC CPU inflates several times more than user CPU for as long as
// the episode lasts. A mean over the window would carry such an episode
// over to every setting; the median block keeps the ratio of normal
// operation, and GC and user CPU come from the same blocks.
func typicalCostRatio(ss []bundle.MetricsSample) (float64, bool) {
	var ks []weighted
	start := -1
	for i := 1; i < len(ss); i++ {
		if ss[i].GCCycles == ss[i-1].GCCycles {
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		a, b := ss[start], ss[i]
		if b.Time.Sub(a.Time) < costBlock {
			continue
		}
		n := float64(b.GCCycles - a.GCCycles)
		x := float64(b.HeapLiveBytes + b.ScanStackBytes + b.ScanGlobalsBytes)
		user, alloc := b.CPUUserSeconds-a.CPUUserSeconds, float64(b.HeapAllocBytes-a.HeapAllocBytes)
		if forced := b.GCCyclesForced - a.GCCyclesForced; forced == 0 && x > 0 && user > 0 && alloc > 0 {
			ks = append(ks, weighted{(b.GCTotalSeconds - a.GCTotalSeconds) / (n * x) * alloc / user, n})
		}
		start = i
	}
	if len(ks) < minCostBlocks {
		return 0, false
	}
	return weightedQuantile(ks, 0.5), true
}

// fitCost fits cost = fixed + perByte·x. When x barely varies (a steady
// heap) or the fit is not physical, the cost is taken as proportional.
func fitCost(m *Model, xs, ys, ws []float64) {
	m.Cycles = len(xs)
	if len(xs) == 0 {
		return
	}
	var sw, sx, sy float64
	for i := range xs {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		sw += w
		sx += w * xs[i]
		sy += w * ys[i]
	}
	if sx <= 0 {
		m.FixedCPUPerCycle = time.Duration(sy / sw * 1e9)
		return
	}
	mean := sx / sw
	var v float64
	for i := range xs {
		w := 1.0
		if ws != nil {
			w = ws[i]
		}
		v += w * (xs[i] - mean) * (xs[i] - mean)
	}
	cv := math.Sqrt(v/sw) / mean
	if cv >= minRootsForProportional && len(xs) >= 3 {
		b, a, r2 := linearFit(xs, ys, ws)
		// A fixed cost is kept only when the heap size explains the cost;
		// otherwise noise (a cycle stretched by a CPU stall) would pass for it.
		if b > 0 && a >= 0 && r2 >= minAffineR2 {
			m.CPUPerByte, m.FixedCPUPerCycle, m.FitR2 = b, time.Duration(a*1e9), r2
			return
		}
	}
	m.CPUPerByte = sy / sx
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func medianRatio(v []float64) float64 {
	if len(v) == 0 {
		return defaultRunwayRatio
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return clamp(v[len(v)/2], minRunwayRatio, maxRunwayRatio)
}

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }
