package leaks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/stack"
)

// Rule matches buckets of goroutines that are not leaks: the built-in
// benign table (BenignRules) and the user's ignore rules (Options.Ignore) are
// both lists of Rules. Every field that is set must match; a Rule with no
// field set matches nothing.
type Rule struct {
	// Name says what the rule stands for; it is shown as evidence.
	Name string
	// Top matches a frame's function on the blocking path: from the
	// innermost frame down to the first frame outside the runtime and the
	// standard library, inclusive (all frames when there is none). Use it
	// for "blocked inside F".
	Top *regexp.Regexp
	// Func matches any frame's function anywhere in the stack (goleak's
	// IgnoreAnyFunction).
	Func *regexp.Regexp
	// Entry matches the goroutine's outermost frame: the function it
	// started in (runtime.main for the main goroutine).
	Entry *regexp.Regexp
	// Creator matches the function of the go statement that created the
	// goroutines (the "created by" line).
	Creator *regexp.Regexp
	// Label matches any of the goroutines' pprof labels written as
	// "key=value".
	Label *regexp.Regexp
	// Ops, when not empty, limits the rule to goroutines blocked in one of
	// these operations.
	Ops []stack.Op

	// inFunc and inCreator are the built-in rules' predicates where a
	// regular expression cannot say it (a package list with exceptions):
	// any frame's function, the creator's function.
	inFunc, inCreator func(fn string) bool
}

// Match reports whether the rule matches a goroutine with stack s, creation
// site created, labels ls and blocking operation op.
func (r *Rule) Match(s *stack.Stack, created stack.Frame, ls []stack.Label, op stack.Op) bool {
	if r.Top == nil && r.Func == nil && r.Entry == nil && r.Creator == nil && r.Label == nil && len(r.Ops) == 0 &&
		r.inFunc == nil && r.inCreator == nil {
		return false
	}
	if len(r.Ops) > 0 {
		ok := false
		for _, o := range r.Ops {
			if o == op {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	var frames []stack.Frame
	if s != nil {
		frames = s.Frames
	}
	if r.Top != nil {
		ok := false
		for _, f := range frames {
			if r.Top.MatchString(f.Func) {
				ok = true
				break
			}
			if !f.IsStdlib() {
				break
			}
		}
		if !ok {
			return false
		}
	}
	if r.Func != nil {
		ok := false
		for _, f := range frames {
			if r.Func.MatchString(f.Func) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if r.Entry != nil {
		e := entry(frames)
		if !r.Entry.MatchString(e.Func) {
			return false
		}
	}
	if r.Creator != nil && (created.Func == "" || !r.Creator.MatchString(created.Func)) {
		return false
	}
	if r.inFunc != nil && !slices.ContainsFunc(frames, func(f stack.Frame) bool { return r.inFunc(f.Func) }) {
		return false
	}
	if r.inCreator != nil && (created.Func == "" || !r.inCreator(created.Func)) {
		return false
	}
	if r.Label != nil {
		ok := false
		for _, l := range ls {
			if r.Label.MatchString(l.Key + "=" + l.Value) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// entry returns the outermost frame other than runtime.goexit.
func entry(frames []stack.Frame) stack.Frame {
	for i := len(frames) - 1; i >= 0; i-- {
		if frames[i].Func != "runtime.goexit" {
			return frames[i]
		}
	}
	return stack.Frame{}
}

// ParseRule parses a rule written on a command line as KIND=REGEX, where
// KIND is one of top, func, entry, creator or label (see Rule for what each
// matches); for label the regular expression is matched against
// "key=value". The name of the rule is the text itself.
//
//	func=^github\.com/acme/app/cache\.\(\*janitor\)\.run$
//	creator=^github\.com/acme/app/metrics\.
//	label=^component=background$
func ParseRule(s string) (Rule, error) {
	kind, expr, ok := strings.Cut(s, "=")
	if !ok || expr == "" {
		return Rule{}, fmt.Errorf("leaks: rule %q: want KIND=REGEX with KIND one of top, func, entry, creator, label", s)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return Rule{}, fmt.Errorf("leaks: rule %q: %w", s, err)
	}
	r := Rule{Name: s}
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "top":
		r.Top = re
	case "func":
		r.Func = re
	case "entry":
		r.Entry = re
	case "creator":
		r.Creator = re
	case "label":
		r.Label = re
	default:
		return Rule{}, fmt.Errorf("leaks: rule %q: unknown kind %q (want top, func, entry, creator or label)", s, kind)
	}
	return r, nil
}

// benignEntry is one row of the benign table before compilation.
type benignEntry struct {
	name                         string
	top, fn, entry, creator, lbl string
	ops                          []stack.Op
	inFunc, inCreator            func(fn string) bool
}

// benignTable is the single table of known idle patterns. Add a row for a
// library whose long-lived goroutines sit idle by design: name what it is,
// match as narrowly as possible (prefer top, the blocking path, and limit the
// operations), and add a generator to leaks/testdata/gen when the runtime
// can produce the pattern.
func benignTable() []benignEntry {
	waitOps := []stack.Op{stack.OpChanReceive, stack.OpChanSend, stack.OpSelect, stack.OpSelectNoCases, stack.OpTimer,
		stack.OpCond, stack.OpSemaphore, stack.OpSleep, stack.OpNetIO, stack.OpFileIO, stack.OpSyscall, stack.OpIdle,
		stack.OpWaitGroup, stack.OpMutex, stack.OpUnknown}
	// mainOps are the waits a server's main goroutine idles in; a main
	// goroutine stuck on a lock is a deadlock, not an idiom.
	mainOps := []stack.Op{stack.OpChanReceive, stack.OpSelect, stack.OpSelectNoCases, stack.OpWaitGroup,
		stack.OpSemaphore, stack.OpSleep, stack.OpNetIO, stack.OpTimer}
	ioOps := []stack.Op{stack.OpNetIO, stack.OpFileIO, stack.OpSyscall}
	return []benignEntry{
		// The Go runtime and the standard library.
		{name: "runtime worker (GC, finalizer, scavenger, timers)", ops: []stack.Op{stack.OpGC, stack.OpIdle}},
		{name: "runtime-internal goroutine", creator: `^runtime\.`, entry: `^runtime\.`},
		{name: "main goroutine waiting for shutdown", entry: `^(runtime\.main|main\.main)$`, ops: mainOps},
		{name: "os/signal delivery loop", top: `^os/signal\.(loop|signal_recv)$`},
		{name: "signal.NotifyContext watcher", top: `^os/signal\.NotifyContext\.func`},
		{name: "net/http server accept loop", top: `^net/http\.\(\*Server\)\.Serve$`, ops: ioOps},
		{name: "net/http server connection waiting for the next request", top: `^net/http\.\(\*conn\)\.serve$`, ops: ioOps},
		{name: "net/http server background read", top: `^net/http\.\(\*connReader\)\.backgroundRead$`, ops: ioOps},
		{name: "net/http idle keep-alive client connection (reader)", top: `^net/http\.\(\*persistConn\)\.readLoop$`, ops: ioOps},
		{name: "net/http client connection writer", top: `^net/http\.\(\*persistConn\)\.writeLoop$`, ops: []stack.Op{stack.OpSelect, stack.OpNetIO}},
		{name: "net/http HTTP/2 connection", top: `^net/http\.\(\*http2(ClientConn|clientConnReadLoop|serverConn|Framer)\)\.`, ops: []stack.Op{stack.OpSelect, stack.OpNetIO, stack.OpChanReceive}},
		{name: "golang.org/x/net/http2 connection", top: `^golang\.org/x/net/http2\.\(\*(ClientConn|clientConnReadLoop|serverConn|Framer)\)\.`, ops: []stack.Op{stack.OpSelect, stack.OpNetIO, stack.OpChanReceive}},
		{name: "net/http test server", top: `^net/http/httptest\.`, ops: waitOps},
		{name: "database/sql connection opener", top: `^database/sql\.\(\*DB\)\.connection(Opener|Cleaner|Resetter)$`},
		{name: "testing framework waiting for tests", top: `^testing\.`, ops: waitOps},
		{name: "runtime/pprof or runtime/trace writer", top: `^runtime/(pprof|trace)\.`, ops: waitOps},
		{name: "expvar or log/syslog background", top: `^(expvar|log/syslog)\.`, ops: waitOps},
		// gdiag's own goroutines carry the pprof label gdiag=collector.
		{name: "gdiag collector", lbl: `^gdiag=collector$`},
		// Text dumps carry no labels: the collector's frames (its request
		// handler, capture steps, sampler, leak watch) and the goroutines
		// it starts (fgprof's sampler, the flight recorder's reader, the
		// dump parser's workers) tell the same.
		{name: "gdiag collector (by its frames)", inFunc: symbol.IsCollector},
		{name: "gdiag collector (started by it)", inCreator: func(fn string) bool {
			return symbol.IsCollector(fn) || strings.HasPrefix(fn, "github.com/felixge/fgprof.")
		}},
		// Common libraries whose background goroutines idle by design.
		{name: "gRPC transport and balancer", top: `^google\.golang\.org/grpc[./]`, ops: waitOps},
		{name: "OpenCensus worker", top: `^go\.opencensus\.io/`, ops: waitOps},
		{name: "OpenTelemetry batch processor", top: `^go\.opentelemetry\.io/otel/sdk/.*\.\(\*batch(Span|Log)Processor\)\.processQueue`, ops: waitOps},
		{name: "zap buffered writer flush loop", top: `^go\.uber\.org/zap/zapcore\.\(\*BufferedWriteSyncer\)\.flushLoop$`, ops: waitOps},
		{name: "glog flush daemon", top: `^github\.com/golang/glog\..*flushDaemon`, ops: waitOps},
		{name: "klog flush daemon", top: `^k8s\.io/klog(/v2)?\..*(flushDaemon|\(\*flushDaemon\)\.run)`, ops: waitOps},
		{name: "go-cache janitor", top: `^github\.com/patrickmn/go-cache\.\(\*janitor\)\.Run$`, ops: waitOps},
		{name: "fsnotify watcher", top: `^github\.com/fsnotify/fsnotify\.`, ops: waitOps},
		{name: "goleak or leaktest retry", top: `^go\.uber\.org/goleak\.`, ops: waitOps},
	}
}

// BenignRules returns the built-in table of known idle patterns, compiled, in a
// fixed order. It returns new Rules on each call; callers may append their
// own (Options.Benign) or replace it. The table is documented in the
// package documentation and in benignTable's source.
func BenignRules() []Rule {
	tab := benignTable()
	out := make([]Rule, 0, len(tab))
	comp := func(s string) *regexp.Regexp {
		if s == "" {
			return nil
		}
		return regexp.MustCompile(s)
	}
	for _, e := range tab {
		out = append(out, Rule{Name: e.name, Top: comp(e.top), Func: comp(e.fn), Entry: comp(e.entry),
			Creator: comp(e.creator), Label: comp(e.lbl), Ops: e.ops, inFunc: e.inFunc, inCreator: e.inCreator})
	}
	return out
}
