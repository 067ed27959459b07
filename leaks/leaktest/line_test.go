package leaktest_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gdiag/gdiag/leaks/leaktest"
)

// childEnv marks the test binary run by TestFailureNamesTheTest.
const childEnv = "GDIAG_LEAKTEST_LINE_CHILD"

// checkLine is the line of the leaktest.Check call in TestLeakViaWaitGroupGo.
var checkLine int

// TestLeakViaWaitGroupGo leaks a goroutine started with sync.WaitGroup.Go.
// It only runs as the child of TestFailureNamesTheTest, where it must fail.
func TestLeakViaWaitGroupGo(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("a deliberately failing test: run by TestFailureNamesTheTest in a child process")
	}
	_, _, checkLine, _ = runtime.Caller(0)
	leaktest.Check(t, leaktest.MaxRetries(1)) // checkLine+1
	ch, started := make(chan int), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		close(started)
		ch <- 1 // nobody receives
	})
	<-started
	fmt.Printf("check at line %d\n", checkLine+1)
}

// TestFailureNamesTheTest runs a leaking test in a child process and reads
// what go test prints: the failure is reported at the test's Check line (not
// inside leaktest), the bucket is located in the test's closure, and its
// creator is the test function that called WaitGroup.Go, not the wrapper.
func TestFailureNamesTheTest(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeakViaWaitGroupGo$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the leaking child test passed:\n%s", out)
	}
	m := regexp.MustCompile(`check at line (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed no check line:\n%s", out)
	}
	for _, want := range []string{
		"line_test.go:" + string(m[1]) + ": leaktest:", // testing's location is the Check call
		"at github.com/gdiag/gdiag/leaks/leaktest_test.TestLeakViaWaitGroupGo.func1 (",
		"likely-leak (leaks/chan-send-forever)",
		"created by github.com/gdiag/gdiag/leaks/leaktest_test.TestLeakViaWaitGroupGo (",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"verify.go:", "created by sync.(*WaitGroup).Go"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("output names %q:\n%s", bad, out)
		}
	}
}
