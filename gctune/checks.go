package gctune

import "github.com/gdiag/gdiag/report"

// The check contract (see report.Result).
var (
	_ report.Result    = (*Result)(nil)
	_ report.CheckList = Checks
)

// Check IDs. They are public API: stable and kebab-case.
const (
	CheckGOGCTooLow           = "gctune/gogc-too-low"
	CheckGOMEMLIMITUnset      = "gctune/gomemlimit-unset"
	CheckGOMEMLIMITNearLive   = "gctune/gomemlimit-near-live-heap"
	CheckNoHeadroom           = "gctune/no-headroom"
	CheckBallast              = "gctune/ballast-detected"
	CheckLiveHeapGrowing      = "gctune/live-heap-growing"
	CheckGOMAXPROCSAboveQuota = "gctune/gomaxprocs-above-quota"
	CheckGOMAXPROCSParent     = "gctune/gomaxprocs-parent-quota"
	CheckGOMAXPROCSBelowQuota = "gctune/gomaxprocs-below-quota"
	CheckCPUThrottled         = "gctune/cpu-throttled"
)

// Checks returns the descriptions of every check this package runs (ID,
// highest severity, title, explanation), in a stable order, for the shared
// check table (docs/checks.md). The slice is new on every call.
func Checks() []report.Check {
	return []report.Check{
		{ID: CheckGOGCTooLow, Severity: report.SeverityHigh, Title: "GOGC too low for the CPU spent in GC",
			Doc: "GC CPU share above the target while the memory budget allows a higher GOGC; suggests the smallest GOGC (with GOMEMLIMIT as a safety net) the model predicts to meet the target."},
		{ID: CheckGOMEMLIMITUnset, Severity: report.SeverityMedium, Title: "GOMEMLIMIT unset under a cgroup memory limit",
			Doc: "The container has a memory limit but the Go runtime does not know it; a heap spike ends in an OOM kill instead of more frequent GC. Suggests GOMEMLIMIT = budget (limit × (1 − headroom))."},
		{ID: CheckGOMEMLIMITNearLive, Severity: report.SeverityCritical, Title: "GOMEMLIMIT close to the live heap (death spiral)",
			Doc: "The memory limit leaves little room above the live heap: the GC runs almost continuously, the 50% CPU limiter engages and memory overshoots the limit — the service burns CPU in GC for hours before the OOM."},
		{ID: CheckNoHeadroom, Severity: report.SeverityHigh, Title: "No headroom below the cgroup memory limit",
			Doc: "GOMEMLIMIT at or above the cgroup limit, or observed memory within 5% of it: non-Go memory and limiter overshoot end in an OOM kill."},
		{ID: CheckBallast, Severity: report.SeverityMedium, Title: "Heap ballast detected",
			Doc: "The live heap exceeds the resident memory (untouched pages of a large allocation): a ballast. GOMEMLIMIT with a higher GOGC does the same job without the waste and the skewed metrics."},
		{ID: CheckLiveHeapGrowing, Severity: report.SeverityHigh, Title: "Live heap keeps growing",
			Doc: "The live heap grows steadily over the window: a leak or an unbounded cache. No GC setting fixes it; see the leak findings and compare heap profiles."},
		{ID: CheckGOMAXPROCSAboveQuota, Severity: report.SeverityMedium, Title: "GOMAXPROCS above the CPU quota",
			Doc: "More Ps than the cgroup CPU quota allows: the process runs in bursts and is throttled, which shows as tail latency."},
		{ID: CheckGOMAXPROCSParent, Severity: report.SeverityMedium, Title: "CPU quota on a parent cgroup the runtime does not see",
			Doc: "The runtime reads only the innermost cgroup's CPU limit; a smaller quota on a parent level throttles the process."},
		{ID: CheckGOMAXPROCSBelowQuota, Severity: report.SeverityLow, Title: "GOMAXPROCS below the available CPU while goroutines wait",
			Doc: "Runnable goroutines queue and scheduling latency is high while the quota allows more Ps."},
		{ID: CheckCPUThrottled, Severity: report.SeverityHigh, Title: "CPU throttled by the cgroup",
			Doc: "A large share of CFS periods were throttled: requests stall for the rest of each period."},
	}
}

func severityOf(id string) report.Severity {
	for _, c := range Checks() {
		if c.ID == id {
			return c.Severity
		}
	}
	return report.SeverityInfo
}

func titleOf(id string) string {
	for _, c := range Checks() {
		if c.ID == id {
			return c.Title
		}
	}
	return id
}
