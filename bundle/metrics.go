package bundle

import "time"

// MetricsHistory is the metrics.json entry: the collector's ring of
// runtime/metrics samples, oldest first.
type MetricsHistory struct {
	Interval time.Duration   `json:"interval_ns"`
	Samples  []MetricsSample `json:"samples"`
}

// MetricsSample is one reading of runtime/metrics. Cumulative counters are
// stored as read (totals since process start) so that any two samples can be
// subtracted; histogram metrics are summarised over the interval that ends at
// Time. Field comments name the runtime/metrics key.
type MetricsSample struct {
	Time time.Time `json:"t"`

	// Cumulative counters.
	GCCycles           uint64  `json:"gc_cycles"`          // /gc/cycles/total:gc-cycles
	GCCyclesForced     uint64  `json:"gc_cycles_forced"`   // /gc/cycles/forced:gc-cycles
	HeapAllocBytes     uint64  `json:"heap_alloc_bytes"`   // /gc/heap/allocs:bytes
	HeapAllocObjects   uint64  `json:"heap_alloc_objects"` // /gc/heap/allocs:objects
	HeapFreedBytes     uint64  `json:"heap_free_bytes"`    // /gc/heap/frees:bytes
	CPUTotalSeconds    float64 `json:"cpu_total_s"`        // /cpu/classes/total:cpu-seconds
	CPUUserSeconds     float64 `json:"cpu_user_s"`         // /cpu/classes/user:cpu-seconds
	CPUIdleSeconds     float64 `json:"cpu_idle_s"`         // /cpu/classes/idle:cpu-seconds
	GCAssistSeconds    float64 `json:"gc_assist_s"`        // /cpu/classes/gc/mark/assist:cpu-seconds
	GCDedicatedSeconds float64 `json:"gc_dedicated_s"`     // /cpu/classes/gc/mark/dedicated:cpu-seconds
	GCIdleSeconds      float64 `json:"gc_idle_s"`          // /cpu/classes/gc/mark/idle:cpu-seconds
	GCPauseSeconds     float64 `json:"gc_pause_s"`         // /cpu/classes/gc/pause:cpu-seconds
	GCTotalSeconds     float64 `json:"gc_total_s"`         // /cpu/classes/gc/total:cpu-seconds
	ScavengeSeconds    float64 `json:"scavenge_s"`         // /cpu/classes/scavenge/total:cpu-seconds
	MutexWaitSeconds   float64 `json:"mutex_wait_s"`       // /sync/mutex/wait/total:seconds
	GoroutinesCreated  uint64  `json:"goroutines_created"` // /sched/goroutines-created:goroutines
	LimiterLastCycle   uint64  `json:"limiter_last_cycle"` // /gc/limiter/last-enabled:gc-cycle

	// Gauges.
	HeapLiveBytes      uint64 `json:"heap_live_bytes"`      // /gc/heap/live:bytes
	HeapGoalBytes      uint64 `json:"heap_goal_bytes"`      // /gc/heap/goal:bytes
	HeapObjectsBytes   uint64 `json:"heap_objects_bytes"`   // /memory/classes/heap/objects:bytes
	HeapObjects        uint64 `json:"heap_objects"`         // /gc/heap/objects:objects
	StackBytes         uint64 `json:"stack_bytes"`          // /memory/classes/heap/stacks:bytes
	ScanStackBytes     uint64 `json:"scan_stack_bytes"`     // /gc/scan/stack:bytes
	ScanGlobalsBytes   uint64 `json:"scan_globals_bytes"`   // /gc/scan/globals:bytes
	ScanHeapBytes      uint64 `json:"scan_heap_bytes"`      // /gc/scan/heap:bytes
	TotalMemoryBytes   uint64 `json:"total_memory_bytes"`   // /memory/classes/total:bytes
	HeapReleasedBytes  uint64 `json:"heap_released_bytes"`  // /memory/classes/heap/released:bytes
	HeapFreeMemBytes   uint64 `json:"heap_freemem_bytes"`   // /memory/classes/heap/free:bytes
	GOGC               int64  `json:"gogc"`                 // /gc/gogc:percent
	GOMEMLIMIT         int64  `json:"gomemlimit"`           // /gc/gomemlimit:bytes
	GOMAXPROCS         int64  `json:"gomaxprocs"`           // /sched/gomaxprocs:threads
	Goroutines         uint64 `json:"goroutines"`           // /sched/goroutines:goroutines
	GoroutinesRunning  uint64 `json:"goroutines_running"`   // /sched/goroutines/running:goroutines
	GoroutinesRunnable uint64 `json:"goroutines_runnable"`  // /sched/goroutines/runnable:goroutines
	GoroutinesWaiting  uint64 `json:"goroutines_waiting"`   // /sched/goroutines/waiting:goroutines
	GoroutinesNotInGo  uint64 `json:"goroutines_not_in_go"` // /sched/goroutines/not-in-go:goroutines
	Threads            uint64 `json:"threads"`              // /sched/threads/total:threads

	// Histogram summaries over the interval (seconds). Zero when no event
	// fell in the interval.
	GCPauseP50  float64 `json:"gc_pause_p50_s"` // /sched/pauses/total/gc:seconds
	GCPauseP99  float64 `json:"gc_pause_p99_s"`
	GCPauseMax  float64 `json:"gc_pause_max_s"`
	GCPauses    uint64  `json:"gc_pauses"`       // count in the interval
	SchedLatP50 float64 `json:"sched_lat_p50_s"` // /sched/latencies:seconds
	SchedLatP99 float64 `json:"sched_lat_p99_s"`
	SchedLatMax float64 `json:"sched_lat_max_s"`
}
