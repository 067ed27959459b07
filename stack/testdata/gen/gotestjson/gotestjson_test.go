// Package gotestjson is run with `go test -json` to record what a test
// binary's goroutine dump looks like inside a test2json stream: parallel
// tests logging while one of them hangs until -timeout makes the test
// binary panic and print every goroutine ("panic: test timed out after 3s").
// It runs only with GEN=1 (see ../../README.md), so `go test ./...` skips it.
package gotestjson

import (
	"os"
	"sync"
	"testing"
	"time"
)

func skipUnlessGen(t *testing.T) {
	if os.Getenv("GEN") != "1" {
		t.Skip("testdata generator: run with GEN=1 (see stack/testdata/README.md)")
	}
}

var mu sync.Mutex

func TestCheckout(t *testing.T) {
	skipUnlessGen(t)
	t.Parallel()
	for i := 0; i < 20; i++ {
		t.Logf("checkout step %d ok", i)
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCart(t *testing.T) {
	skipUnlessGen(t)
	t.Parallel()
	for i := 0; i < 20; i++ {
		t.Logf("cart step %d <ok>", i)
		time.Sleep(70 * time.Millisecond)
	}
}

func TestHangs(t *testing.T) {
	skipUnlessGen(t)
	t.Parallel()
	ch := make(chan int)
	mu.Lock()
	go func() { mu.Lock() }() // blocks on the mutex for good
	for i := 0; i < 3; i++ {
		go func() { <-ch }()
	}
	<-ch // hangs until the test binary times out
}
