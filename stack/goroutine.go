package stack

import "time"

// Frame is one call in a goroutine's stack, or in a profile sample's call
// path: the one frame type of gdiag (heap and contention analysis use it too).
type Frame struct {
	// Func is the fully qualified function name without arguments,
	// e.g. "net/http.(*conn).serve" or "main.main.func1".
	Func string `json:"func"`
	// File is the source path as printed (may be a Windows path).
	File string `json:"file,omitempty"`
	// Line is the 1-based source line, 0 when unknown.
	Line int `json:"line,omitempty"`
}

// Stack is a sequence of frames, innermost first. Goroutines with identical
// frames (function, file and line) share one *Stack; treat it as read-only.
type Stack struct {
	Frames []Frame
	// Elided is the number of frames the runtime left out
	// ("...N frames elided..."); -1 when it printed
	// "...additional frames elided..." without a count.
	Elided int
}

// Label is one pprof label of a goroutine.
type Label struct {
	Key, Value string
}

// Ancestor is a creator goroutine's stack printed under
// GODEBUG=tracebackancestors=N ("[originating from goroutine N]:").
type Ancestor struct {
	ID    int64
	Stack *Stack
}

// Flags are the markers the runtime prints in a goroutine header.
type Flags uint8

// Goroutine header flags.
const (
	FlagLockedToThread Flags = 1 << iota // ", locked to thread"
	FlagLeaked                           // "(leaked)": Go 1.26 goroutine leak detection
	FlagScan                             // "(scan)": being scanned by the GC
	FlagDurable                          // "(durable)": durably blocked inside a synctest bubble
	FlagSystem                           // a runtime system goroutine (GOTRACEBACK=system)
)

// Goroutine is one goroutine, or for aggregated inputs (debug=1 text and
// pprof protos) one group of Count goroutines with the same stack.
type Goroutine struct {
	// ID is the goroutine id; 0 for aggregated records.
	ID int64
	// State is the wait reason as printed without suffixes ("chan receive",
	// "select", "running", "sync.Mutex.Lock", …); "" when the input has none.
	State string
	// Wait is how long the goroutine has been blocked, from ", N minutes".
	// The runtime prints it only after a minute, so 0 means "under a minute or
	// unknown".
	Wait  time.Duration
	Flags Flags
	// Bubble is the synctest bubble id, 0 outside a bubble.
	Bubble int64
	// Labels are the goroutine's pprof labels sorted by key (shared; read-only).
	Labels []Label
	// Stack is never nil for a parsed goroutine.
	Stack *Stack
	// CreatedBy is the go statement that started the goroutine; zero for the
	// main goroutine and runtime-created ones.
	CreatedBy Frame
	// ParentID is the creating goroutine ("created by F in goroutine N"), 0 if not printed.
	ParentID  int64
	Ancestors []Ancestor
	// Count is how many goroutines this record stands for: 1 for text dumps.
	Count int
	// Line is the 1-based input line of the goroutine header, 0 when not from text.
	Line int
	// Op is the blocking operation derived from State and the top frames.
	Op Op
	// M is the thread id from a GOTRACEBACK=system header ("m=K"); it is
	// meaningful only when HasM is set (m=0 is a real thread).
	M int64
	// HasM reports whether the header named a thread. The zero value means
	// absent, so goroutines built outside the parser need not set anything.
	HasM bool
	// gp is the g address from a GOTRACEBACK=system header ("gp=0x…"), 0
	// when absent; with the id it identifies a goroutine printed twice.
	gp uint64
	// nostack: printed as "goroutine running on other thread; stack
	// unavailable"; a later full print of the same goroutine replaces it.
	nostack bool
}

// Snapshot is the result of parsing one dump.
type Snapshot struct {
	Goroutines []Goroutine
	// Format is what the input was recognised as.
	Format Format
	// Reason is the panic or fatal-error message of crash output
	// ("all goroutines are asleep - deadlock!"), "" otherwise.
	Reason string
	// Total is the sum of Count over Goroutines.
	Total int
	// SchedulerStacks are the "goroutine 0" blocks of GOTRACEBACK=system
	// and crash output: each thread's scheduler (g0) or signal stack, not a
	// goroutine. They are kept apart from Goroutines and not counted in
	// Total.
	SchedulerStacks []Goroutine
	// Goleak says every goroutine was read from goleak's failure message
	// ("found unexpected goroutines:"): goleak saw them still running when
	// the test ended, after its retries.
	Goleak bool
}

// Format identifies the kind of goroutine dump.
type Format uint8

// Dump formats.
const (
	FormatUnknown Format = iota
	FormatText           // runtime.Stack(all) / pprof debug=2
	FormatCrash          // panic or fatal error output
	FormatDebug1         // pprof debug=1 aggregated text
	FormatProto          // pprof proto (debug=0), converted by package analyzer
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatText:
		return "text"
	case FormatCrash:
		return "crash"
	case FormatDebug1:
		return "debug=1"
	case FormatProto:
		return "proto"
	}
	return "unknown"
}

// Op is the operation a goroutine is blocked in, derived from its state and
// top frames.
type Op uint8

// Blocking operations.
const (
	OpUnknown        Op = iota
	OpRunning           // running or runnable
	OpChanReceive       // <-ch
	OpChanSend          // ch <- v
	OpChanReceiveNil    // receive from a nil channel: blocks forever
	OpChanSendNil       // send on a nil channel: blocks forever
	OpSelect            // select with cases
	OpSelectNoCases     // select {}: blocks forever
	OpMutex             // sync.Mutex.Lock
	OpRWMutexRLock      // sync.RWMutex.RLock
	OpRWMutexLock       // sync.RWMutex.Lock
	OpWaitGroup         // sync.WaitGroup.Wait
	OpCond              // sync.Cond.Wait
	OpSemaphore         // other semacquire (x/sync/semaphore, runtime sema)
	OpSleep             // time.Sleep
	OpTimer             // waiting on a timer or ticker channel
	OpNetIO             // network poller wait
	OpFileIO            // file or pipe IO
	OpSyscall           // in a system call or cgo
	OpGC                // GC worker, finalizer, scavenger
	OpIdle              // runtime-internal idle waits (force gc, trace reader, …)
	numOps
)

var opNames = [numOps]string{
	"unknown", "running", "chan receive", "chan send", "chan receive (nil chan)",
	"chan send (nil chan)", "select", "select (no cases)", "mutex lock", "rwmutex rlock",
	"rwmutex lock", "waitgroup wait", "cond wait", "semaphore", "sleep", "timer",
	"network io", "file io", "syscall", "gc", "runtime idle",
}

// String names the operation ("chan receive").
func (o Op) String() string {
	if o >= numOps {
		return "unknown"
	}
	return opNames[o]
}

// Forever reports whether the operation can never complete (nil channel,
// select {}).
func (o Op) Forever() bool {
	return o == OpChanReceiveNil || o == OpChanSendNil || o == OpSelectNoCases
}
