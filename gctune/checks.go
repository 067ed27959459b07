package gctune

import "github.com/gdiag/gdiag/report"

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

// Check describes one check: its stable ID, the highest severity it
// reports, and what it looks for. It mirrors the shape of the shared check
// table (ID, Severity, Title, Doc) so the analyzer can generate one table of
// all checks.
type Check struct {
	ID       string
	Severity report.Severity
	Title    string
	Doc      string
}

// Checks returns the descriptions of every check this package runs, in a
// stable order. The slice is new on every call.
func Checks() []Check {
	return []Check{
		{CheckGOGCTooLow, report.SeverityHigh, "GOGC too low for the CPU spent in GC",
			"GC CPU share above the target while the memory budget allows a higher GOGC; suggests the smallest GOGC (with GOMEMLIMIT as a safety net) the model predicts to meet the target."},
		{CheckGOMEMLIMITUnset, report.SeverityMedium, "GOMEMLIMIT unset under a cgroup memory limit",
			"The container has a memory limit but the Go runtime does not know it; a heap spike ends in an OOM kill instead of more frequent GC. Suggests GOMEMLIMIT = budget (limit × (1 − headroom))."},
		{CheckGOMEMLIMITNearLive, report.SeverityCritical, "GOMEMLIMIT close to the live heap (death spiral)",
			"The memory limit leaves little room above the live heap: the GC runs almost continuously, the 50% CPU limiter engages and memory overshoots the limit — the service burns CPU in GC for hours before the OOM."},
		{CheckNoHeadroom, report.SeverityHigh, "No headroom below the cgroup memory limit",
			"GOMEMLIMIT at or above the cgroup limit, or observed memory within 5% of it: non-Go memory and limiter overshoot end in an OOM kill."},
		{CheckBallast, report.SeverityMedium, "Heap ballast detected",
			"The live heap exceeds the resident memory (untouched pages of a large allocation): a ballast. GOMEMLIMIT with a higher GOGC does the same job without the waste and the skewed metrics."},
		{CheckLiveHeapGrowing, report.SeverityHigh, "Live heap keeps growing",
			"The live heap grows steadily over the window: a leak or an unbounded cache. No GC setting fixes it; see the leak findings and compare heap profiles."},
		{CheckGOMAXPROCSAboveQuota, report.SeverityMedium, "GOMAXPROCS above the CPU quota",
			"More Ps than the cgroup CPU quota allows: the process runs in bursts and is throttled, which shows as tail latency."},
		{CheckGOMAXPROCSParent, report.SeverityMedium, "CPU quota on a parent cgroup the runtime does not see",
			"The runtime reads only the innermost cgroup's CPU limit; a smaller quota on a parent level throttles the process."},
		{CheckGOMAXPROCSBelowQuota, report.SeverityLow, "GOMAXPROCS below the available CPU while goroutines wait",
			"Runnable goroutines queue and scheduling latency is high while the quota allows more Ps."},
		{CheckCPUThrottled, report.SeverityHigh, "CPU throttled by the cgroup",
			"A large share of CFS periods were throttled: requests stall for the rest of each period."},
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
