// Package testlog is run with `go test -v` to record how test output
// carries goroutine stacks: TestLogDump logs runtime.Stack with t.Log (in a
// test and in a subtest, whose lines the testing package indents deeper)
// and writes the same stacks, unwrapped, to $RAW; TestGoleak fails
// goleak.VerifyNone with leaked goroutines ("found unexpected goroutines:").
// It runs only with GEN=1 (see ../../README.md), so `go test ./...` skips it.
package testlog

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"go.uber.org/goleak"
)

func skipUnlessGen(t *testing.T) {
	if os.Getenv("GEN") != "1" {
		t.Skip("testdata generator: run with GEN=1 (see stack/testdata/README.md)")
	}
}

func send(ch chan int) { ch <- 1 }

func receive(ch chan int) { <-ch }

// start starts n goroutines blocked in send and n in receive, labelled.
func start(n int, handler string) {
	pprof.Do(context.Background(), pprof.Labels("handler", handler), func(context.Context) {
		for i := 0; i < n; i++ {
			go send(make(chan int))
			go receive(make(chan int))
		}
	})
}

// settle lets the started goroutines reach their blocking operation.
func settle() {
	for i := 0; i < 100; i++ {
		runtime.Gosched()
	}
}

func stacks() []byte {
	buf := make([]byte, 1<<20)
	return buf[:runtime.Stack(buf, true)]
}

func TestLogDump(t *testing.T) {
	skipUnlessGen(t)
	start(3, "checkout")
	t.Run("sub", func(t *testing.T) {
		start(2, "cart")
		settle()
		dump := stacks()
		if raw := os.Getenv("RAW"); raw != "" {
			if err := os.WriteFile(raw, dump, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Log("watchdog: dumping goroutines")
		t.Log(string(dump))
	})
}

func TestGoleak(t *testing.T) {
	skipUnlessGen(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	start(4, "leaky")
	settle()
}
