package leaktest_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/leaks/leaktest"
)

// pollForever is a goroutine an example leaks on purpose.
func pollForever(stop <-chan struct{}) {
	<-stop
}

// startPolling starts pollForever and returns once the goroutine blocks in
// its receive, so that an example's check sees it where it leaks however
// slow the machine is to schedule it.
func startPolling(stop <-chan struct{}) {
	n := pollers()
	go pollForever(stop)
	for pollers() <= n {
		time.Sleep(time.Millisecond)
	}
}

// pollers counts the goroutines blocked in pollForever's receive.
func pollers() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "[chan receive") && strings.Contains(g, "leaktest_test.pollForever(") {
			n++
		}
	}
	return n
}

// printT stands in for *testing.T in the examples: it prints what a test
// would report.
type printT struct {
	testing.TB // only the methods below are called
	name       string
	cleanups   []func()
}

func (p *printT) Name() string      { return p.name }
func (p *printT) Helper()           {}
func (p *printT) Cleanup(f func())  { p.cleanups = append(p.cleanups, f) }
func (p *printT) Error(args ...any) { fmt.Println("FAIL:", summary(args[0].(error))) }
func (p *printT) end() {
	for i := len(p.cleanups) - 1; i >= 0; i-- {
		p.cleanups[i]()
	}
}

// summary is the first line of a leaktest report and the place of its
// first bucket.
func summary(err error) string {
	var le *leaktest.Error
	if !errors.As(err, &le) {
		return err.Error()
	}
	b := le.Buckets[0]
	s := fmt.Sprintf("%d goroutine(s) in %v at %s", le.Count, b.Op, b.Where.Func)
	for _, tc := range b.Tests {
		s += fmt.Sprintf(", started by %s", tc.Test)
	}
	return s
}

// Find returns an *Error grouping the unexpected goroutines into buckets.
func ExampleFind() {
	stop := make(chan struct{})
	// A leak is judged by where goroutines block: startPolling returns
	// once each one waits in its receive.
	for range 3 {
		startPolling(stop)
	}
	err := leaktest.Find(leaktest.MaxRetries(2))
	fmt.Println(summary(err))

	close(stop)
	fmt.Println(leaktest.Find(leaktest.MaxWait(time.Second)))
	// Output:
	// 3 goroutine(s) in chan receive at github.com/gdiag/gdiag/leaks/leaktest_test.pollForever
	// <nil>
}

// VerifyNone is goleak's VerifyNone: defer it at the top of a test.
func ExampleVerifyNone() {
	t := &printT{name: "TestClient"}
	stop := make(chan struct{})
	func() {
		defer leaktest.VerifyNone(t, leaktest.MaxRetries(2))
		startPolling(stop) // the test forgets to stop it
	}()
	close(stop)
	// Output:
	// FAIL: 1 goroutine(s) in chan receive at github.com/gdiag/gdiag/leaks/leaktest_test.pollForever
}

// Check attributes goroutines to the test that started them, so parallel
// tests do not blame each other.
func ExampleCheck() {
	leaky := &printT{name: "TestLeaky"}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // each test runs on its own goroutine
		defer close(done)
		leaktest.Check(leaky, leaktest.MaxRetries(2))
		startPolling(stop)
		leaky.end() // the test returns; its cleanups run
	}()
	<-done
	close(stop)
	// Output:
	// FAIL: 1 goroutine(s) in chan receive at github.com/gdiag/gdiag/leaks/leaktest_test.pollForever, started by TestLeaky
}

// fakeM stands in for *testing.M.
type fakeM struct{ run func() int }

func (m fakeM) Run() int { return m.run() }

// VerifyTestMain checks the whole package after its tests passed. Cleanup
// receives the exit code instead of os.Exit.
func ExampleVerifyTestMain() {
	m := fakeM{run: func() int { return 0 }}
	leaktest.VerifyTestMain(m, leaktest.Cleanup(func(code int) { fmt.Println("exit code", code) }))
	// In a real package:
	//
	//	func TestMain(m *testing.M) { leaktest.VerifyTestMain(m) }

	// Output:
	// exit code 0
}

// IgnoreTopFunction, IgnoreAnyFunction and IgnoreCreatedBy accept
// goroutines that are expected to outlive the test.
func ExampleIgnoreTopFunction() {
	stop := make(chan struct{})
	startPolling(stop)
	defer close(stop)
	fmt.Println(leaktest.Find(leaktest.IgnoreTopFunction("github.com/gdiag/gdiag/leaks/leaktest_test.pollForever")))
	// Output:
	// <nil>
}

// OnlyGrowth fails only when a bucket has more goroutines than when the
// option was created.
func ExampleOnlyGrowth() {
	stop := make(chan struct{})
	defer close(stop)
	startPolling(stop) // a long-lived background goroutine
	growth := leaktest.OnlyGrowth()
	fmt.Println(leaktest.Find(growth, leaktest.MaxRetries(1)))

	startPolling(stop) // one more of the same
	fmt.Println(summary(leaktest.Find(growth, leaktest.MaxRetries(1))))
	// Output:
	// <nil>
	// 1 goroutine(s) in chan receive at github.com/gdiag/gdiag/leaks/leaktest_test.pollForever
}
