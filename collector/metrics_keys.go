package collector

// runtime/metrics keys the collector reads. They are the only place these
// strings appear; see the runtime/metrics package documentation for their
// meaning. A key the running Go version does not support reads as zero.
const (
	keyGCCycles          = "/gc/cycles/total:gc-cycles"
	keyGCCyclesForced    = "/gc/cycles/forced:gc-cycles"
	keyHeapAllocBytes    = "/gc/heap/allocs:bytes"
	keyHeapAllocObjects  = "/gc/heap/allocs:objects"
	keyHeapFreeBytes     = "/gc/heap/frees:bytes"
	keyCPUTotal          = "/cpu/classes/total:cpu-seconds"
	keyCPUUser           = "/cpu/classes/user:cpu-seconds"
	keyCPUIdle           = "/cpu/classes/idle:cpu-seconds"
	keyGCAssist          = "/cpu/classes/gc/mark/assist:cpu-seconds"
	keyGCDedicated       = "/cpu/classes/gc/mark/dedicated:cpu-seconds"
	keyGCIdle            = "/cpu/classes/gc/mark/idle:cpu-seconds"
	keyGCPause           = "/cpu/classes/gc/pause:cpu-seconds"
	keyGCTotal           = "/cpu/classes/gc/total:cpu-seconds"
	keyScavenge          = "/cpu/classes/scavenge/total:cpu-seconds"
	keyMutexWait         = "/sync/mutex/wait/total:seconds"
	keyGoroutinesCreated = "/sched/goroutines-created:goroutines"
	keyLimiterLast       = "/gc/limiter/last-enabled:gc-cycle"

	keyHeapLive          = "/gc/heap/live:bytes"
	keyHeapGoal          = "/gc/heap/goal:bytes"
	keyHeapObjectsBytes  = "/memory/classes/heap/objects:bytes"
	keyHeapObjects       = "/gc/heap/objects:objects"
	keyStackBytes        = "/memory/classes/heap/stacks:bytes"
	keyScanStack         = "/gc/scan/stack:bytes"
	keyScanGlobals       = "/gc/scan/globals:bytes"
	keyScanHeap          = "/gc/scan/heap:bytes"
	keyTotalMemory       = "/memory/classes/total:bytes"
	keyHeapReleased      = "/memory/classes/heap/released:bytes"
	keyHeapFree          = "/memory/classes/heap/free:bytes"
	keyGOGC              = "/gc/gogc:percent"
	keyGOMEMLIMIT        = "/gc/gomemlimit:bytes"
	keyGOMAXPROCS        = "/sched/gomaxprocs:threads"
	keyGoroutines        = "/sched/goroutines:goroutines"
	keyGoroutinesRunning = "/sched/goroutines/running:goroutines"
	keyGoroutinesRunable = "/sched/goroutines/runnable:goroutines"
	keyGoroutinesWaiting = "/sched/goroutines/waiting:goroutines"
	keyGoroutinesNotInGo = "/sched/goroutines/not-in-go:goroutines"
	keyThreads           = "/sched/threads/total:threads"

	// Histograms, summarised per interval.
	keyGCPauses       = "/sched/pauses/total/gc:seconds"
	keySchedLatencies = "/sched/latencies:seconds"
)
