package heap

// Metrics keys of this package's findings (units in the name). They are
// part of the JSON contract: docs/json.md lists every one, and
// analyzer's TestJSONContract ties the two together.
const (
	MetricAllocBytes          = "alloc_bytes"
	MetricAllocBytesPerSec    = "alloc_bytes_per_sec"
	MetricAllocObjects        = "alloc_objects"
	MetricAllocObjectsPerSec  = "alloc_objects_per_sec"
	MetricAllocShare          = "alloc_share"
	MetricAvgObjectBytes      = "avg_object_bytes"
	MetricCallPaths           = "call_paths"
	MetricGCCPUShareSaved     = "gc_cpu_share_saved"
	MetricGCCyclesPerSecSaved = "gc_cycles_per_sec_saved"
	MetricGrowthBytes         = "growth_bytes"
	MetricGrowthBytesPerSec   = "growth_bytes_per_sec"
	MetricHitRateAssumed      = "hit_rate_assumed"
	MetricInuseBytes          = "inuse_bytes"
	MetricPoolDrops           = "pool_drops"
	MetricPoolGets            = "pool_gets"
	MetricPoolHitRate         = "pool_hit_rate"
	MetricRank                = "rank"
	MetricRemovedBytesPerSec  = "removed_bytes_per_sec"
	MetricRemovedShare        = "removed_share"
	MetricRetainedRatio       = "retained_ratio"
	MetricShortLivedRatio     = "short_lived_ratio"
	MetricSizeCapBytes        = "size_cap_bytes"
	MetricSizeP5Bytes         = "size_p5_bytes"
	MetricSizeP95Bytes        = "size_p95_bytes"
)
