package leaktest_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/leaks/leaktest"
	"github.com/gdiag/gdiag/stack"
)

// parked blocks until stop is closed; it is the leak of these tests.
func parked(stop <-chan struct{}, started *sync.WaitGroup) {
	started.Done()
	<-stop
}

// startParked starts n goroutines in parked and waits until they run.
func startParked(n int) (stop func()) {
	ch := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go parked(ch, &wg)
	}
	wg.Wait()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// waitGone waits until the goroutines a test stopped have exited, so the
// next test starts clean.
func waitGone(t *testing.T) {
	t.Helper()
	if err := leaktest.Find(leaktest.MaxWait(2 * time.Second)); err != nil {
		t.Fatalf("goroutines left by the test itself: %v", err)
	}
}

func TestFindNone(t *testing.T) {
	if err := leaktest.Find(); err != nil {
		t.Fatalf("Find on a clean process: %v", err)
	}
}

func TestFindLeak(t *testing.T) {
	stop := startParked(7)
	defer waitGone(t)
	defer stop()
	err := leaktest.Find(leaktest.MaxRetries(3))
	var le *leaktest.Error
	if !errors.As(err, &le) {
		t.Fatalf("Find = %v, want *leaktest.Error", err)
	}
	if le.Count != 7 || len(le.Buckets) != 1 {
		t.Fatalf("Count = %d in %d buckets, want 7 in 1:\n%v", le.Count, len(le.Buckets), err)
	}
	b := le.Buckets[0]
	if b.Where.Func != "github.com/gdiag/gdiag/leaks/leaktest_test.parked" || b.Op != stack.OpChanReceive {
		t.Errorf("bucket at %s blocked in %v, want parked in chan receive", b.Where.Func, b.Op)
	}
	if b.CreatedBy.Func != "github.com/gdiag/gdiag/leaks/leaktest_test.startParked" {
		t.Errorf("created by %q, want startParked", b.CreatedBy.Func)
	}
	if len(b.IDs) != 7 {
		t.Errorf("%d ids, want 7", len(b.IDs))
	}
	// Nothing of the test changed while it waited: one profile up front,
	// one profile and the text dump at the end, and a retry re-profiles
	// only when the goroutine count moved (another test's goroutine ending
	// on a loaded machine), so at least one of the 3 retries took none.
	if le.Profiles < 2 || le.Profiles >= 2+le.Retries || le.Captures != 1 || le.Retries != 3 {
		t.Errorf("Profiles = %d, Captures = %d, Retries = %d, want 2 (fewer than 5), 1 and 3", le.Profiles, le.Captures, le.Retries)
	}
	if b.Verdict != leaks.Likely || b.Check != leaks.CheckChanReceive || b.Suggestion == "" {
		t.Errorf("leaks judged the bucket %v (%s), suggestion %q; want a likely %s with a suggestion", b.Verdict, b.Check, b.Suggestion, leaks.CheckChanReceive)
	}
	for _, want := range []string{"7 unexpected goroutines in 1 bucket", "[chan receive] at github.com/gdiag/gdiag/leaks/leaktest_test.parked", "created by github.com/gdiag/gdiag/leaks/leaktest_test.startParked", "leaktest_test.go:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("report lacks %q:\n%v", want, err)
		}
	}
}

func TestFindWaitsForExit(t *testing.T) {
	stop := startParked(5)
	time.AfterFunc(30*time.Millisecond, stop)
	if err := leaktest.Find(leaktest.MaxWait(5 * time.Second)); err != nil {
		t.Fatalf("goroutines that exit after 30ms failed the check: %v", err)
	}
}

func TestRetryBudget(t *testing.T) {
	stop := startParked(1)
	defer waitGone(t)
	defer stop()
	tests := []struct {
		name        string
		give        []leaktest.Option
		wantRetries int
		maxElapsed  time.Duration
	}{
		{name: "no retries", give: []leaktest.Option{leaktest.MaxRetries(0)}, wantRetries: 0, maxElapsed: time.Second},
		{name: "max wait", give: []leaktest.Option{leaktest.MaxWait(20 * time.Millisecond), leaktest.MaxSleep(10 * time.Millisecond)}, wantRetries: 15, maxElapsed: 2 * time.Second},
		{name: "default", wantRetries: 20, maxElapsed: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var le *leaktest.Error
			if err := leaktest.Find(tt.give...); !errors.As(err, &le) {
				t.Fatalf("Find = %v, want *leaktest.Error", err)
			}
			// max wait: 1+2+…+8192µs = 16.4ms in 14 sleeps (the cap of
			// 10ms is not reached), then the 3.6ms left.
			if le.Retries != tt.wantRetries {
				t.Errorf("Retries = %d, want %d", le.Retries, tt.wantRetries)
			}
			if le.Elapsed > tt.maxElapsed {
				t.Errorf("Elapsed = %v, want under %v", le.Elapsed, tt.maxElapsed)
			}
		})
	}
}

func TestIgnoreOptions(t *testing.T) {
	stop := startParked(3)
	defer waitGone(t)
	defer stop()
	tests := []struct {
		name string
		give leaktest.Option
		want bool // leak reported
	}{
		{name: "top function", give: leaktest.IgnoreTopFunction("github.com/gdiag/gdiag/leaks/leaktest_test.parked")},
		{name: "any function", give: leaktest.IgnoreAnyFunction("github.com/gdiag/gdiag/leaks/leaktest_test.parked")},
		{name: "created by", give: leaktest.IgnoreCreatedBy("github.com/gdiag/gdiag/leaks/leaktest_test.startParked")},
		{name: "current", give: leaktest.IgnoreCurrent()},
		{name: "growth without growth", give: leaktest.OnlyGrowth()},
		{name: "other top function", give: leaktest.IgnoreTopFunction("github.com/gdiag/gdiag/leaks/leaktest_test.startParked"), want: true},
		{name: "other creator", give: leaktest.IgnoreCreatedBy("main.main"), want: true},
		{name: "label not set", give: leaktest.IgnoreLabel("gdiag", "collector"), want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := leaktest.Find(tt.give, leaktest.MaxRetries(1))
			if got := err != nil; got != tt.want {
				t.Errorf("leak reported = %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

func TestIgnoreLabel(t *testing.T) {
	// Labels are not in the text dump by default: they come from the
	// goroutine profile.
	t.Setenv("GODEBUG", "tracebacklabels=0")
	stop := make(chan struct{})
	defer waitGone(t)
	defer close(stop)
	var wg sync.WaitGroup
	wg.Add(1)
	labelled(func() {
		go parked(stop, &wg)
	})
	wg.Wait()
	if err := leaktest.Find(leaktest.IgnoreLabel("gdiag", "worker"), leaktest.MaxRetries(1)); err != nil {
		t.Errorf("labelled goroutine not ignored: %v", err)
	}
	if err := leaktest.Find(leaktest.IgnoreLabel("gdiag", "other"), leaktest.MaxRetries(1)); err == nil {
		t.Error("goroutine with another label value was ignored")
	}
}

func TestOnlyGrowth(t *testing.T) {
	stopOld := startParked(5)
	growth := leaktest.OnlyGrowth()
	defer waitGone(t)
	// The pool replaces all its workers: same bucket, same size, new ids.
	stopOld()
	stopNew := startParked(5)
	defer stopNew()
	if err := leaktest.Find(growth, leaktest.MaxWait(2*time.Second)); err != nil {
		t.Fatalf("replaced workers failed OnlyGrowth: %v", err)
	}
	stopMore := startParked(3)
	defer stopMore()
	err := leaktest.Find(growth, leaktest.MaxRetries(2))
	var le *leaktest.Error
	if !errors.As(err, &le) {
		t.Fatalf("Find = %v, want growth of 3", err)
	}
	if le.Count != 3 || len(le.Buckets) != 1 || le.Buckets[0].Growth != 3 || le.Buckets[0].Count != 8 {
		t.Errorf("Count = %d, buckets %+v; want growth 3 in a bucket of 8", le.Count, le.Buckets)
	}
	if !strings.Contains(err.Error(), "8 goroutines (+3 over baseline)") {
		t.Errorf("report:\n%v", err)
	}
}

func TestCleanupRejected(t *testing.T) {
	if err := leaktest.Find(leaktest.Cleanup(func(int) {})); err == nil || !strings.Contains(err.Error(), "Cleanup") {
		t.Errorf("Find(Cleanup) = %v, want an error", err)
	}
}

// recorder is a testing.TB that keeps errors and cleanups instead of
// failing the real test.
type recorder struct {
	*testing.T
	name     string
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Helper()      {}
func (r *recorder) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range args {
		r.errs = append(r.errs, a.(error).Error())
	}
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestVerifyNone(t *testing.T) {
	stop := startParked(2)
	defer waitGone(t)
	r := &recorder{T: t, name: t.Name()}
	cleaned := -1
	leaktest.VerifyNone(r, leaktest.MaxRetries(1), leaktest.Cleanup(func(code int) { cleaned = code }))
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "2 unexpected goroutines") {
		t.Errorf("VerifyNone errors = %q, want one naming 2 goroutines", r.errs)
	}
	if cleaned != 0 {
		t.Errorf("Cleanup got %d, want 0", cleaned)
	}
	stop()
	r = &recorder{T: t, name: t.Name()}
	leaktest.VerifyNone(r, leaktest.MaxWait(2*time.Second))
	if len(r.errs) != 0 {
		t.Errorf("VerifyNone after stop: %q", r.errs)
	}
}

// TestCheckAttribution runs two simulated tests at once, each on its own
// goroutine like testing does: one leaks, the other starts goroutines that
// are still alive when the first one checks. Each check must see only its
// own goroutines and name its test.
func TestCheckAttribution(t *testing.T) {
	// Labels come from the goroutine profile, or straight from the dump
	// when the runtime prints them (Go 1.26, GODEBUG=tracebacklabels=1).
	for _, godebug := range []string{"tracebacklabels=0", "tracebacklabels=1"} {
		t.Run(godebug, func(t *testing.T) {
			t.Setenv("GODEBUG", godebug)
			checkAttribution(t)
		})
	}
}

func checkAttribution(t *testing.T) {
	stopLeak := make(chan struct{})
	defer waitGone(t)
	defer close(stopLeak)
	stopBusy := make(chan struct{})
	leakStarted := make(chan struct{})
	busyStarted := make(chan struct{})
	leakChecked := make(chan *recorder)
	leakDone := make(chan *recorder, 1)
	busyDone := make(chan *recorder)
	go func() {
		r := &recorder{T: t, name: "TestLeaky"}
		leaktest.Check(r, leaktest.MaxRetries(2))
		var wg sync.WaitGroup
		wg.Add(4)
		for range 4 {
			go parked(stopLeak, &wg)
		}
		wg.Wait()
		close(leakStarted)
		<-busyStarted
		r.finish()
		leakChecked <- r
	}()
	go func() {
		r := &recorder{T: t, name: "TestBusy"}
		leaktest.Check(r, leaktest.MaxWait(2*time.Second))
		var wg sync.WaitGroup
		wg.Add(3)
		for range 3 {
			go parked(stopBusy, &wg)
		}
		wg.Wait()
		close(busyStarted)
		<-leakStarted
		// TestLeaky checks while these are alive; release them only
		// after it is done, then finish.
		leaky := <-leakChecked
		close(stopBusy)
		r.finish()
		leakDone <- leaky
		busyDone <- r
	}()
	leaky, busy := <-leakDone, <-busyDone
	if len(busy.errs) != 0 {
		t.Errorf("TestBusy was blamed: %q", busy.errs)
	}
	if len(leaky.errs) != 1 {
		t.Fatalf("TestLeaky errors = %q, want one", leaky.errs)
	}
	for _, want := range []string{"4 unexpected goroutines in 1 bucket", "started by test TestLeaky (4)"} {
		if !strings.Contains(leaky.errs[0], want) {
			t.Errorf("report lacks %q:\n%s", want, leaky.errs[0])
		}
	}
}

// TestCheckParallel proves attribution under real t.Parallel: "holder"
// keeps goroutines alive until after "quick" has finished and checked.
func TestCheckParallel(t *testing.T) {
	held := make(chan struct{})
	quickDone := make(chan struct{})
	t.Run("group", func(t *testing.T) {
		t.Run("holder", func(t *testing.T) {
			leaktest.Check(t)
			t.Parallel()
			stop := startParked(6)
			close(held)
			<-quickDone
			stop()
		})
		t.Run("quick", func(t *testing.T) {
			leaktest.Check(t)
			t.Parallel()
			<-held
			t.Cleanup(func() { close(quickDone) }) // runs after Check's verification
		})
	})
}

func TestAgreesWithGoleak(t *testing.T) {
	if testing.Short() {
		t.Skip("goleak waits about half a second on a leak")
	}
	check := func(name string) {
		err := leaktest.Find(leaktest.MaxRetries(3))
		gerr := goleak.Find(leaktest.GoleakOptions()...)
		if (err == nil) != (gerr == nil) {
			t.Errorf("%s: leaktest says %v, goleak says %v", name, err, gerr)
		}
	}
	check("clean")
	stop := startParked(4)
	check("leak")
	stop()
	waitGone(t)
}

func TestVerifyTestMainFails(t *testing.T) {
	stop := make(chan struct{})
	defer waitGone(t)
	defer close(stop)
	code := -1
	m := fakeM{run: func() int {
		var wg sync.WaitGroup
		wg.Add(1)
		go parked(stop, &wg)
		wg.Wait()
		return 0
	}}
	leaktest.VerifyTestMain(m, leaktest.MaxRetries(1), leaktest.Cleanup(func(c int) { code = c }))
	if code != 1 {
		t.Errorf("exit code %d after a leak, want 1", code)
	}
	code = -1
	failing := fakeM{run: func() int { return 3 }}
	leaktest.VerifyTestMain(failing, leaktest.Cleanup(func(c int) { code = c }))
	if code != 3 {
		t.Errorf("exit code %d for failed tests, want 3", code)
	}
}
