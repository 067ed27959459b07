// context_never_cancelled: a watcher goroutine waits for ctx.Done() of a
// context.WithCancel whose cancel function is stored but never called, so it is never cancelled
// (what go vet's lostcancel catches when it is dropped; Saioc et al.).
// Fix: call cancel when the session ends.
package main

import (
	"context"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func watch(ctx context.Context, name string) {
	<-ctx.Done()
	_ = name
}

type session struct {
	cancel context.CancelFunc // kept, but nothing ever calls it
}

func serve(parent context.Context, name string) *session {
	ctx, cancel := context.WithCancel(parent)
	go watch(ctx, name)
	return &session{cancel: cancel}
}

func main() {
	for range 20 {
		_ = serve(context.Background(), "req")
	}
	capture.Dump("context_never_cancelled", 200*time.Millisecond)
}
