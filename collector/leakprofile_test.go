package collector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
)

// leakChildEnv makes the test binary run leakChild instead of the tests
// (see TestMain): the leak profile's answer depends on what the process
// did before, so it is measured in a fresh process.
const leakChildEnv = "GDIAG_COLLECTOR_LEAK_CHILD"

// knownLeaks is what leakChild leaks, by the function the goroutine blocks
// in: the shapes of real bugs (a worker sending to a caller that gave up on
// timeout, a consumer ranging over a channel nobody closes, a WaitGroup
// never done, a Cond never signalled, a Mutex never unlocked).
var knownLeaks = map[string]int{
	"collector_test.leakSender.func1": 4,
	"collector_test.leakRanger":       2,
	"collector_test.leakWaiter.func1": 1,
	"collector_test.leakCond.func1":   1,
	"collector_test.leakLocker.func1": 1,
}

// leakReachable holds channels whose receivers are blocked but not leaked.
var leakReachable []chan int

//go:noinline
func leakSender() {
	ch := make(chan int)
	go func() { ch <- 1 }()
	// The caller gave up (as on a timeout) without receiving: the sender
	// blocks for good. No timer decides it, so it leaks on any machine.
}

func leakRanger(in <-chan int) {
	for range in {
	}
}

func leakWaiter() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { wg.Wait() }()
}

func leakCond() {
	c := sync.NewCond(&sync.Mutex{})
	go func() {
		c.L.Lock()
		c.Wait()
		c.L.Unlock()
	}()
}

func leakLocker() {
	mu := new(sync.Mutex)
	mu.Lock()
	go func() { mu.Lock() }()
}

// waitBlocked waits until at least n goroutines whose stack mentions fn
// are blocked (in a state other than runnable or running), polling the
// goroutine dump; bound is a deadlock, not a slow machine.
func waitBlocked(fn string, n int, bound time.Duration) error {
	deadline := time.Now().Add(bound)
	buf := make([]byte, 1<<20)
	for {
		got := 0
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			header, _, _ := strings.Cut(g, "\n")
			if strings.Contains(g, fn) && !strings.Contains(header, "[runnable") && !strings.Contains(header, "[running") {
				got++
			}
		}
		if got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutines in %s blocked after %v, want %d", got, fn, bound, n)
		}
		runtime.Gosched()
	}
}

// leakChildResult is what leakChild prints.
type leakChildResult struct {
	Found  map[string]int // leaked goroutines in the collector's profile, by function
	Entry  bundle.Entry
	Errors []string
}

// leakChild leaks knownLeaks, captures a bundle with the goroutineleak part
// and prints what the profile in it lists.
func leakChild() int {
	var r leakChildResult
	fail := func(err error) int {
		r.Errors = append(r.Errors, err.Error())
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return 0
	}
	for range 4 {
		leakSender()
	}
	for range 2 {
		go leakRanger(make(chan int))
	}
	leakWaiter()
	leakCond()
	leakLocker()
	for range 3 {
		ch := make(chan int)
		leakReachable = append(leakReachable, ch)
		go func() { <-ch }()
	}
	// Every goroutine started above must be blocked before the capture.
	want := len(leakReachable)
	for _, n := range knownLeaks {
		want += n
	}
	if err := waitBlocked("gdiag/collector_test.leak", want, 30*time.Second); err != nil {
		return fail(err)
	}
	c, err := collector.New()
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{})
	if err != nil {
		return fail(err)
	}
	r.Entry, _ = entry(m, bundle.KindGoroutineLeak)
	b, err := bundle.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "child")
	if err != nil {
		return fail(err)
	}
	data, err := b.ReadFile("goroutineleak.pb.gz", 0)
	if err != nil {
		return fail(err)
	}
	p, err := profile.ParseData(data)
	if err != nil {
		return fail(err)
	}
	r.Found = map[string]int{}
	for _, s := range p.Sample {
		if fn := firstTestFunc(s); fn != "" {
			r.Found[fn] += int(s.Value[0])
		}
	}
	runtime.KeepAlive(leakReachable)
	_ = json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

// firstTestFunc is the innermost function of this package in a sample's
// stack (a location lists its inlined calls innermost first).
func firstTestFunc(s *profile.Sample) string {
	for _, l := range s.Location {
		for _, ln := range l.Line {
			if ln.Function != nil && strings.HasPrefix(ln.Function.Name, "github.com/gdiag/gdiag/collector_test.") {
				return strings.TrimPrefix(ln.Function.Name, "github.com/gdiag/gdiag/")
			}
		}
	}
	return ""
}

func runLeakChild(t *testing.T, mode string) leakChildResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), leakChildEnv+"="+mode)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, errb.String())
	}
	var r leakChildResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("child output %q: %v\n%s", out.String(), err, errb.String())
	}
	if len(r.Errors) > 0 {
		t.Fatalf("child: %v", r.Errors)
	}
	return r
}

// TestLeakProfileInEveryBundle: in a runtime that has the goroutineleak
// profile (Go 1.27+), a default bundle of a fresh process holds it, and it
// lists every goroutine the process leaked, the one blocked on a leaked
// sync.Mutex included, which a bare first request misses. In a runtime
// without it, the default bundle leaves it out and an explicit request says
// which toolchain has it.
func TestLeakProfileInEveryBundle(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		c := newCollector(t)
		m, err := c.Capture(context.Background(), io.Discard, collector.CaptureRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := entry(m, bundle.KindGoroutineLeak); ok {
			t.Errorf("default bundle of %s has a goroutineleak entry %+v", runtime.Version(), e)
		}
		return
	}
	r := runLeakChild(t, "collector")
	t.Logf("%s: the collector's bundle lists %v", runtime.Version(), r.Found)
	if r.Entry.Error != "" || r.Entry.Bytes == 0 {
		t.Fatalf("goroutineleak entry %+v", r.Entry)
	}
	for fn, n := range knownLeaks {
		if r.Found[fn] != n {
			t.Errorf("bundle's goroutineleak profile lists %d goroutines in %s, want %d (all: %v)", r.Found[fn], fn, n, r.Found)
		}
	}
	for fn, n := range r.Found {
		if _, ok := knownLeaks[fn]; !ok {
			t.Errorf("bundle's goroutineleak profile lists %d goroutines in %s, which are reachable", n, fn)
		}
	}
}

// TestLeakBudget: above the leak budget the profile is skipped with the
// estimate in the entry's error; full=1 takes it anyway.
func TestLeakBudget(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		t.Skipf("%s has no goroutineleak profile (Go 1.27+, or Go 1.26 with GOEXPERIMENT=goroutineleakprofile)", runtime.Version())
	}
	c := newCollector(t, collector.WithLeakBudget(time.Nanosecond))
	req := collector.CaptureRequest{Include: []collector.Part{collector.PartGoroutineLeak}}
	m, err := c.Capture(context.Background(), io.Discard, req)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := entry(m, bundle.KindGoroutineLeak)
	for _, want := range []string{"goroutineleak skipped: estimated pause", "exceeds the leak budget 1ns", "goroutines × 2µs", "full=1 overrides"} {
		if !strings.Contains(e.Error, want) {
			t.Errorf("entry error %q lacks %q", e.Error, want)
		}
	}
	req.Full = true
	if m, err = c.Capture(context.Background(), io.Discard, req); err != nil {
		t.Fatal(err)
	}
	if e, _ := entry(m, bundle.KindGoroutineLeak); e.Error != "" || e.Bytes == 0 {
		t.Errorf("full=1: goroutineleak entry %+v", e)
	}
}

func TestLeakBudgetOption(t *testing.T) {
	if _, err := collector.New(collector.WithLeakBudget(-time.Second)); err == nil || !strings.Contains(err.Error(), "leak budget -1s") {
		t.Errorf("New(WithLeakBudget(-1s)) = %v", err)
	}
}
