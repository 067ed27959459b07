package leaktest

import (
	"strings"

	"github.com/gdiag/gdiag/stack"
)

// Ignore is one entry of the default ignore table: goroutines with Func
// anywhere in their stack are expected.
type Ignore struct {
	// Func is the fully qualified function name.
	Func string
	// Why says why the goroutine may outlive a test.
	Why string
}

// DefaultIgnores returns the table of library goroutines that live for the
// whole process by design, so a test cannot stop them. It returns a new
// slice on every call. Goroutines that a test can and should stop (HTTP
// servers and idle client connections, database/sql openers, gRPC
// connections, tickers) are not in it: they are leaks in a test.
func DefaultIgnores() []Ignore {
	return []Ignore{
		{"go.opencensus.io/stats/view.(*worker).start", "OpenCensus starts one global stats worker on import"},
		{"github.com/golang/glog.(*loggingT).flushDaemon", "glog flushes its global logger every 30s"},
		{"github.com/golang/glog.(*fileSink).flushDaemon", "glog (v1.1+) flushes its global file sink every 30s"},
		{"k8s.io/klog.(*loggingT).flushDaemon", "klog flushes its global logger"},
		{"k8s.io/klog/v2.(*flushDaemon).run", "klog/v2 flushes its global logger"},
		{"github.com/rcrowley/go-metrics.(*meterArbiter).tick", "go-metrics ticks all meters from one global goroutine"},
		{"github.com/patrickmn/go-cache.(*janitor).Run", "go-cache's janitor stops by finalizer when the cache is collected"},
		{"github.com/desertbit/timer.timerRoutine", "desertbit/timer (used by grpc-web) runs one global timer goroutine"},
		{"go.opentelemetry.io/otel/sdk/metric/internal/x.(*Exemplar)", "OpenTelemetry metric SDK exemplar reservoir"},
		{"runtime/pprof.profileWriter", "go test -cpuprofile: the CPU profile writer runs until the tests end"},
		{"os/signal.watchSignalLoop", "os/signal's loop in Go versions before 1.14"},
		{"testing.(*F).Fuzz.func1", "fuzzing workers of the testing package"},
	}
}

// builtin reports whether g is one of the goroutines goleak always
// ignores: the testing package waiting for tests (and, unlike goleak, for
// benchmarks), os/signal, runtime/trace readers and cgo callback threads in
// a system call.
func builtin(g *stack.Goroutine) bool {
	if top := topFunc(g.Stack); builtinTop(top) {
		if strings.HasPrefix(top, "os/signal.") || strings.HasPrefix(g.State, "chan receive") || g.State == "select" {
			return true
		}
	}
	if strings.HasPrefix(g.State, "syscall") && (g.CreatedBy.Func == "" || hasFunc(g.Stack, "runtime.goexit")) {
		return true
	}
	return builtinFrames(g.Stack)
}

// builtinTop reports whether f is a function of the testing package that
// waits for tests, or os/signal's loop. In a goroutine profile, which has no
// states, the function alone decides.
func builtinTop(f string) bool {
	switch f {
	case "testing.RunTests", "testing.(*T).Run", "testing.(*T).Parallel", "testing.runFuzzing", "testing.runFuzzTests",
		"testing.(*F).Fuzz", "testing.tRunner.func1", "testing.(*B).run1",
		"os/signal.signal_recv", "os/signal.loop":
		return true
	}
	return false
}

// builtinFrames reports goroutines ignored by a function anywhere in their
// stack: os/signal's handler, runtime/trace's reader and the goroutine that
// collects an Example's output.
func builtinFrames(s *stack.Stack) bool {
	return hasFunc(s, "runtime.ensureSigM") || hasFunc(s, "runtime.ReadTrace") || hasFunc(s, "testing.runExample.func1")
}

// topFunc is the innermost function outside package runtime, so stacks
// printed under GOTRACEBACK=system match the default ones.
func topFunc(s *stack.Stack) string {
	if s == nil {
		return ""
	}
	for _, f := range s.Frames {
		if f.Package() != "runtime" {
			return f.Func
		}
	}
	return firstFunc(s)
}

func firstFunc(s *stack.Stack) string {
	if s == nil || len(s.Frames) == 0 {
		return ""
	}
	return s.Frames[0].Func
}

func hasFunc(s *stack.Stack, name string) bool {
	if s == nil {
		return false
	}
	for _, f := range s.Frames {
		if f.Func == name {
			return true
		}
	}
	return false
}
