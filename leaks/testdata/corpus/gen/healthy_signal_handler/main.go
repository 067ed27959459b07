// healthy_signal_handler: HEALTHY: a service that waits for SIGTERM in a dedicated goroutine
// (os/signal.Notify) to start a graceful shutdown.
package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func shutdownOnSignal(sig <-chan os.Signal, stop func()) {
	<-sig
	stop()
}

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go shutdownOnSignal(sig, func() {})
	capture.Dump("healthy_signal_handler", 200*time.Millisecond)
}
