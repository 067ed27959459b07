package stack

import "strings"

// stateOps maps header states that decide the operation on their own.
var stateOps = map[string]Op{
	"running":                       OpRunning,
	"runnable":                      OpRunning,
	"preempted":                     OpRunning,
	"chan send":                     OpChanSend,
	"chan receive (nil chan)":       OpChanReceiveNil,
	"chan send (nil chan)":          OpChanSendNil,
	"select (no cases)":             OpSelectNoCases,
	"sync.Mutex.Lock":               OpMutex,
	"sync.RWMutex.RLock":            OpRWMutexRLock,
	"sync.RWMutex.Lock":             OpRWMutexLock,
	"sync.WaitGroup.Wait":           OpWaitGroup,
	"sync.Cond.Wait":                OpCond,
	"sleep":                         OpSleep,
	"timer goroutine (idle)":        OpTimer,
	"GC assist marking":             OpGC,
	"GC assist wait":                OpGC,
	"GC sweep wait":                 OpGC,
	"GC scavenge wait":              OpGC,
	"GC worker (idle)":              OpGC,
	"GC worker (active)":            OpGC,
	"GC weak to strong wait":        OpGC,
	"GC mark termination":           OpGC,
	"garbage collection":            OpGC,
	"garbage collection scan":       OpGC,
	"wait for GC cycle":             OpGC,
	"finalizer wait":                OpGC,
	"cleanup wait":                  OpGC,
	"force gc (idle)":               OpIdle,
	"GOMAXPROCS updater (idle)":     OpIdle,
	"trace reader (blocked)":        OpIdle,
	"idle":                          OpIdle,
	"stopping the world":            OpIdle,
	"flushing proc caches":          OpIdle,
	"trace goroutine status":        OpIdle,
	"trace proc status":             OpIdle,
	"page trace flush":              OpIdle,
	"debug call":                    OpIdle,
	"dumping heap":                  OpIdle,
	"panicwait":                     OpIdle,
	"synctest.Run":                  OpWaitGroup,
	"synctest.Wait":                 OpWaitGroup,
	"sync.WaitGroup.Wait (durable)": OpWaitGroup,
}

// frameOp says what a frame near the top of a stack means.
type frameOp uint8

const (
	fNone frameOp = iota
	fRecv
	fSend
	fSelect
	fBlock
	fMutex
	fRLock
	fWLock
	fWaitGroup
	fCond
	fSema
	fSleep
	fPoll
	fSyscall
	fGC
	fIdle
)

var frameOps = map[string]frameOp{
	"runtime.chanrecv":                      fRecv,
	"runtime.chanrecv1":                     fRecv,
	"runtime.chanrecv2":                     fRecv,
	"runtime.chansend":                      fSend,
	"runtime.chansend1":                     fSend,
	"runtime.selectgo":                      fSelect,
	"runtime.block":                         fBlock,
	"sync.(*Mutex).Lock":                    fMutex,
	"sync.(*Mutex).lockSlow":                fMutex,
	"internal/sync.(*Mutex).Lock":           fMutex,
	"internal/sync.(*Mutex).lockSlow":       fMutex,
	"sync.(*RWMutex).RLock":                 fRLock,
	"sync.(*RWMutex).Lock":                  fWLock,
	"sync.(*WaitGroup).Wait":                fWaitGroup,
	"sync.(*Cond).Wait":                     fCond,
	"runtime.notifyListWait":                fSema,
	"sync.runtime_notifyListWait":           fSema,
	"runtime.semacquire":                    fSema,
	"runtime.semacquire1":                   fSema,
	"sync.runtime_Semacquire":               fSema,
	"sync.runtime_SemacquireMutex":          fSema,
	"sync.runtime_SemacquireRWMutexR":       fSema,
	"sync.runtime_SemacquireRWMutex":        fSema,
	"sync.runtime_SemacquireWaitGroup":      fSema,
	"internal/sync.runtime_SemacquireMutex": fSema,
	"internal/poll.runtime_Semacquire":      fSema,
	"time.Sleep":                            fSleep,
	"runtime.timeSleep":                     fSleep,
	"runtime.netpollblock":                  fPoll,
	"internal/poll.runtime_pollWait":        fPoll,
	"internal/poll.(*pollDesc).wait":        fPoll,
	"internal/poll.(*pollDesc).waitRead":    fPoll,
	"internal/poll.(*pollDesc).waitWrite":   fPoll,
	"syscall.Syscall":                       fSyscall,
	"syscall.Syscall6":                      fSyscall,
	"syscall.Syscall9":                      fSyscall,
	"syscall.RawSyscall":                    fSyscall,
	"syscall.RawSyscall6":                   fSyscall,
	"syscall.syscall":                       fSyscall,
	"syscall.syscall6":                      fSyscall,
	"syscall.SyscallN":                      fSyscall,
	"internal/runtime/syscall.Syscall6":     fSyscall,
	"runtime/internal/syscall.Syscall6":     fSyscall,
	"runtime.cgocall":                       fSyscall,
	"runtime.asmcgocall":                    fSyscall,
	"runtime.gcBgMarkWorker":                fGC,
	"runtime.bgsweep":                       fGC,
	"runtime.bgscavenge":                    fGC,
	"runtime.runfinq":                       fGC,
	"runtime.(*cleanupQueue).dequeue":       fGC,
	"runtime.runCleanups":                   fGC,
	"runtime.gcMarkDone":                    fGC,
	"runtime.forcegchelper":                 fIdle,
	"runtime.updateMaxProcsGoroutine":       fIdle,
	"runtime.traceReader":                   fIdle,
	"runtime.traceAdvance":                  fIdle,
}

// classifyDepth is how many top frames Classify looks at.
const classifyDepth = 24

// Classify returns the operation g is blocked in, from its header state
// (which may be "", as in pprof protos and debug=1 text) and its top frames.
// Parse fills Goroutine.Op with it. Cost: a few map lookups; no allocation.
//
// A receive from a timer or ticker channel looks like any other receive;
// it is reported as OpTimer only when the receiving function is in package
// time. Network and file IO both wait in the poller; a stack with an os.File
// frame (and no net frame) below the poller is file IO.
func Classify(g *Goroutine) Op {
	st := g.State
	if op, ok := stateOps[st]; ok {
		return op
	}
	op := framesOp(g.Stack)
	switch st {
	case "":
		return op
	case "chan receive", "chan receive (durable)":
		if op == OpTimer {
			return op
		}
		return OpChanReceive
	case "chan send (durable)":
		return OpChanSend
	case "select", "select (durable)":
		if op == OpTimer {
			return op
		}
		return OpSelect
	case "IO wait":
		if op == OpFileIO {
			return op
		}
		return OpNetIO
	case "syscall":
		if op == OpFileIO {
			return op
		}
		return OpSyscall
	case "semacquire":
		switch op {
		case OpMutex, OpRWMutexLock, OpRWMutexRLock, OpWaitGroup, OpCond:
			return op
		}
		return OpSemaphore
	}
	return op
}

// framesOp derives the operation from the top frames alone.
func framesOp(s *Stack) Op {
	if s == nil {
		return OpUnknown
	}
	frames := s.Frames
	if len(frames) > classifyDepth {
		frames = frames[:classifyDepth]
	}
	cand := OpUnknown
	for i, f := range frames {
		switch frameOps[f.Func] {
		case fRecv:
			return timerOr(s.Frames[i+1:], OpChanReceive)
		case fSend:
			return OpChanSend
		case fSelect:
			return timerOr(s.Frames[i+1:], OpSelect)
		case fBlock:
			return OpSelectNoCases
		case fRLock:
			return OpRWMutexRLock
		case fWLock:
			return OpRWMutexLock
		case fWaitGroup:
			return OpWaitGroup
		case fCond:
			return OpCond
		case fMutex:
			cand = OpMutex // RWMutex.Lock may follow
		case fSema:
			if cand == OpUnknown {
				cand = OpSemaphore
			}
		case fSleep:
			return OpSleep
		case fPoll:
			return ioKind(s.Frames[i+1:], OpNetIO)
		case fSyscall:
			return ioKind(s.Frames[i+1:], OpSyscall)
		case fGC:
			return OpGC
		case fIdle:
			return OpIdle
		default:
			if cand != OpUnknown && !isRuntimeFunc(f.Func) && !strings.HasPrefix(f.Func, "sync.") {
				return cand
			}
		}
	}
	return cand
}

// timerOr returns OpTimer when the first non-runtime caller is in package
// time, else op.
func timerOr(callers []Frame, op Op) Op {
	for _, f := range callers {
		if isRuntimeFunc(f.Func) {
			continue
		}
		if strings.HasPrefix(f.Func, "time.") {
			return OpTimer
		}
		return op
	}
	return op
}

// ioKind tells file IO from network IO by the first os or net frame below a
// poller or syscall frame.
func ioKind(callers []Frame, op Op) Op {
	for _, f := range callers {
		switch {
		case strings.HasPrefix(f.Func, "os."):
			return OpFileIO
		case strings.HasPrefix(f.Func, "net.") || strings.HasPrefix(f.Func, "net/") ||
			strings.HasPrefix(f.Func, "crypto/tls."):
			if op == OpSyscall {
				return op
			}
			return OpNetIO
		}
	}
	return op
}
