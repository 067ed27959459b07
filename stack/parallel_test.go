package stack

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"testing"
)

// TestParseLeavesNoGoroutine: a parallel Parse has joined all its workers
// when it returns, so a caller that counts goroutines right after (as
// leaktest does) sees none of the parser's.
func TestParseLeavesNoGoroutine(t *testing.T) {
	data, err := os.ReadFile("testdata/runtime_stack.txt")
	if err != nil {
		t.Fatal(err)
	}
	// Many small chunks, so that the producer and every worker are busy
	// until the very end.
	big := bytes.Repeat(append(data, '\n'), 200)
	// With one P the caller runs on as soon as the last result arrives,
	// before the exiting workers are scheduled: the window where they are
	// still alive is as wide as it gets.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	before := runtime.NumGoroutine()
	for range 20 {
		if _, err := Parse(bytes.NewReader(big), ParseOptions{Workers: 4}); !errors.Is(err, ErrRepeatedIDs) {
			t.Fatal(err)
		}
		if n := runtime.NumGoroutine(); n != before {
			t.Fatalf("%d goroutines right after Parse, %d before", n, before)
		}
	}
}
