package bundle

import "time"

// SchemaVersion is the manifest schema this package writes. Readers accept
// every schema up to and including it.
const SchemaVersion = 1

// ManifestName is the name of the manifest entry inside a bundle.
const ManifestName = "manifest.json"

// Kind says what an entry holds. Kinds are stable strings stored in the manifest.
type Kind string

// Entry kinds and the file names the collector gives them inside a bundle.
const (
	KindGoroutineText    Kind = "goroutine-text"    // goroutines.txt: runtime.Stack(all=true) / pprof debug=2 text
	KindGoroutineProfile Kind = "goroutine-profile" // goroutine.pb.gz: pprof goroutine profile, debug=0
	KindGoroutineLeak    Kind = "goroutineleak"     // goroutineleak.pb.gz: Go 1.27+, Go 1.26 with GOEXPERIMENT=goroutineleakprofile
	KindHeap             Kind = "heap"              // heap.pb.gz
	KindAllocs           Kind = "allocs"            // allocs.pb.gz
	KindBlock            Kind = "block"             // block.pb.gz
	KindMutex            Kind = "mutex"             // mutex.pb.gz
	KindThreadcreate     Kind = "threadcreate"      // threadcreate.pb.gz
	KindCPU              Kind = "cpu"               // cpu.pb.gz
	KindFgprof           Kind = "fgprof"            // fgprof.pb.gz: wall-clock profile
	KindTrace            Kind = "trace"             // trace.out: flight-recorder execution trace
	KindMetrics          Kind = "metrics"           // metrics.json: MetricsHistory
	KindGCTrace          Kind = "gctrace"           // gctrace.txt: GODEBUG=gctrace=1 lines
	KindOther            Kind = "other"
)

// DefaultName returns the conventional entry name for a kind ("heap" →
// "heap.pb.gz"). It returns "" for KindOther.
func DefaultName(k Kind) string {
	switch k {
	case KindGoroutineText:
		return "goroutines.txt"
	case KindGoroutineProfile:
		return "goroutine.pb.gz"
	case KindGoroutineLeak:
		return "goroutineleak.pb.gz"
	case KindHeap, KindAllocs, KindBlock, KindMutex, KindThreadcreate, KindCPU, KindFgprof:
		return string(k) + ".pb.gz"
	case KindTrace:
		return "trace.out"
	case KindMetrics:
		return "metrics.json"
	case KindGCTrace:
		return "gctrace.txt"
	}
	return ""
}

// Manifest describes a bundle. It is stored as manifest.json. Durations are
// encoded as nanoseconds (time.Duration's JSON form).
type Manifest struct {
	Schema     int       `json:"schema"`
	CapturedAt time.Time `json:"captured_at"`
	// Duration is how long the whole capture took.
	Duration time.Duration `json:"duration_ns"`
	Host     string        `json:"host,omitempty"`
	PID      int           `json:"pid,omitempty"`
	Args     []string      `json:"args,omitempty"`

	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	NumCPU    int    `json:"num_cpu"`
	// BuildInfo is runtime/debug.BuildInfo.String(); parse it back with
	// debug.ParseBuildInfo.
	BuildInfo string `json:"build_info,omitempty"`
	// Experiments lists GOEXPERIMENT values the binary was built with
	// (e.g. "goroutineleakprofile").
	Experiments []string `json:"experiments,omitempty"`

	Settings Settings `json:"settings"`
	Cgroup   *Cgroup  `json:"cgroup,omitempty"`
	Process  *Process `json:"process,omitempty"`

	// Goroutines is runtime.NumGoroutine at capture time.
	Goroutines int `json:"goroutines"`
	// StackDump records how the goroutine text dump was (or was not) taken.
	StackDump *StackDump `json:"stack_dump,omitempty"`
	// Pools are the counters of instrumented pools registered with the collector.
	Pools []PoolStats `json:"pools,omitempty"`
	// Sampling says whether the block and mutex profiles could hold data.
	Sampling *Sampling `json:"sampling,omitempty"`

	Entries []Entry `json:"entries"`
}

// Entry describes one file in the bundle, or one that was requested but could
// not be captured (then Error says why and the file is absent).
type Entry struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Bytes is the stored size.
	Bytes int64 `json:"bytes"`
	// Seconds is the profiling window for CPU-like profiles, 0 for snapshots.
	Seconds float64 `json:"seconds,omitempty"`
	// Took is how long capturing this entry took.
	Took  time.Duration `json:"took_ns,omitempty"`
	Error string        `json:"error,omitempty"`
}

// Source says where a setting's value came from.
type Source string

// Setting sources.
const (
	SourceDefault Source = "default" // the runtime default
	SourceEnv     Source = "env"     // GOGC, GOMEMLIMIT, GOMAXPROCS environment variables
	SourceCgroup  Source = "cgroup"  // GOMAXPROCS derived from a cgroup CPU limit (Go 1.25+)
	SourceRuntime Source = "runtime" // changed at run time (debug.SetGCPercent, SetMemoryLimit, runtime.GOMAXPROCS)
	SourceUnknown Source = "unknown"
)

// Setting is one runtime setting with its origin.
type Setting struct {
	// Value is the effective value: GOGC percent (-1 = off), GOMEMLIMIT bytes
	// (math.MaxInt64 = no limit), GOMAXPROCS threads.
	Value int64 `json:"value"`
	// Env is the environment variable as set, "" when unset.
	Env    string `json:"env,omitempty"`
	Source Source `json:"source"`
}

// Settings are the GC and scheduler settings in effect at capture.
type Settings struct {
	GOGC       Setting `json:"gogc"`
	GOMEMLIMIT Setting `json:"gomemlimit"`
	GOMAXPROCS Setting `json:"gomaxprocs"`
	GODEBUG    string  `json:"godebug,omitempty"`
}

// Cgroup holds the control-group limits of the process, innermost first.
type Cgroup struct {
	Version int           `json:"version"` // 1 or 2
	Levels  []CgroupLevel `json:"levels"`
}

// CgroupLevel is one cgroup in the hierarchy, from the process's own cgroup
// up to the root. Zero limits mean "no limit at this level".
type CgroupLevel struct {
	Path string `json:"path"`
	// CPUQuotaCores is quota/period (e.g. 1.5 cores), 0 when unlimited.
	CPUQuotaCores float64 `json:"cpu_quota_cores,omitempty"`
	CPUPeriodUs   int64   `json:"cpu_period_us,omitempty"`
	// Throttling counters from cpu.stat.
	NrPeriods     int64         `json:"nr_periods,omitempty"`
	NrThrottled   int64         `json:"nr_throttled,omitempty"`
	ThrottledTime time.Duration `json:"throttled_ns,omitempty"`
	// Memory limits (memory.max / memory.limit_in_bytes, memory.high), 0 when unlimited.
	MemoryLimitBytes int64 `json:"memory_limit_bytes,omitempty"`
	MemoryHighBytes  int64 `json:"memory_high_bytes,omitempty"`
	MemoryUsageBytes int64 `json:"memory_usage_bytes,omitempty"`
}

// Process holds operating-system statistics of the captured process.
type Process struct {
	RSSBytes    uint64  `json:"rss_bytes"`
	VMSBytes    uint64  `json:"vms_bytes,omitempty"`
	CPUPercent  float64 `json:"cpu_percent"` // since process start, 100 = one core
	UserSeconds float64 `json:"user_seconds,omitempty"`
	SysSeconds  float64 `json:"sys_seconds,omitempty"`
	Threads     int32   `json:"threads"`
	FDs         int32   `json:"fds,omitempty"`
	Connections int     `json:"connections,omitempty"`
	// Errors lists statistics that could not be read.
	Errors []string `json:"errors,omitempty"`
}

// StackDump records the stop-the-world guard's decision for the full
// goroutine text dump.
type StackDump struct {
	Taken  bool   `json:"taken"`
	Reason string `json:"reason"`
	// EstimatedPause is goroutines × cost per goroutine measured previously.
	EstimatedPause time.Duration `json:"estimated_pause_ns"`
	Budget         time.Duration `json:"budget_ns"`
	// MeasuredPause is how long the dump took (the world is stopped for
	// most of it); 0 when not taken.
	MeasuredPause time.Duration `json:"measured_pause_ns,omitempty"`
	Truncated     bool          `json:"truncated,omitempty"`
}

// PoolStats are the counters of one instrumented pool.
type PoolStats struct {
	Name  string `json:"name"`
	Gets  uint64 `json:"gets"`
	Puts  uint64 `json:"puts"`
	News  uint64 `json:"news"`  // Gets served by the constructor (misses)
	Drops uint64 `json:"drops"` // Puts refused by the size rule
	// NewFunc is the fully qualified name of the pool's constructor function
	// as it appears in profiles (e.g. "main.main.func1"), so that an analyzer
	// can link allocation sites inside the constructor to the pool's hit rate.
	// Empty when unknown.
	NewFunc string `json:"new_func,omitempty"`
}

// HitRate is the share of Gets served from the pool, in [0,1]; 0 with no Gets.
func (p PoolStats) HitRate() float64 {
	if p.Gets == 0 || p.News > p.Gets {
		return 0
	}
	return float64(p.Gets-p.News) / float64(p.Gets)
}

// Sampling records the block and mutex profile sampling of the process at
// capture time: without it those profiles are empty, and analyses must say
// "no data" rather than "no contention".
type Sampling struct {
	// BlockRate is the runtime.SetBlockProfileRate the collector set (its
	// nanoseconds per sample; 1 = every event). The runtime has no getter,
	// so 0 with BlockRateKnown false means the collector did not set it and
	// only BlockRecords tells whether the service did.
	BlockRate      int  `json:"block_rate"`
	BlockRateKnown bool `json:"block_rate_known"`
	// MutexFraction is runtime.SetMutexProfileFraction(-1) at capture
	// time: 0 means mutex sampling is off.
	MutexFraction int `json:"mutex_fraction"`
	// Scope is how the collector's sampling applied: "process" (from New
	// to Close), "capture" (during each capture's window) or "" (the
	// collector set none).
	Scope string `json:"scope,omitempty"`
	// Since is when the collector turned process-wide sampling on (scope
	// "process"); zero when it did not. The runtime's mutex and block
	// profiles accumulate from then, so CapturedAt − Since is their window
	// when it is shorter than the process's uptime.
	Since time.Time `json:"since,omitzero"`
	// BlockRecords and MutexRecords count the stacks in each profile.
	BlockRecords int `json:"block_records"`
	MutexRecords int `json:"mutex_records"`
	// Notes explain an empty profile in one line each, e.g. "block
	// profile empty: block sampling off (collector.WithBlockProfileRate)".
	Notes []string `json:"notes,omitempty"`
}

// BlockOff reports whether the block profile is empty because sampling was
// off (or, when the collector did not set the rate, was most likely off).
func (s *Sampling) BlockOff() bool {
	return s != nil && s.BlockRecords == 0 && (!s.BlockRateKnown || s.BlockRate <= 0)
}

// MutexOff reports whether the mutex profile is empty because sampling was off.
func (s *Sampling) MutexOff() bool {
	return s != nil && s.MutexRecords == 0 && s.MutexFraction <= 0
}
