// Command cgo blocks goroutines inside C code and then sends itself SIGQUIT,
// so the runtime's crash output shows cgo frames: runtime.cgocall and
// main._Cfunc_… for goroutines in C, [syscall] states, and the "non-Go
// function" frames of threads caught executing C. Run it with
// GOTRACEBACK=crash (every thread is dumped, with gp=/m= headers) and
// CGO_ENABLED=1.
package main

/*
#include <unistd.h>

static volatile long spins;

// spin busy-loops in C until the process dies.
static void spin(void) {
	for (;;) {
		spins++;
	}
}

// nap sleeps in a C library call.
static void nap(unsigned int s) {
	sleep(s);
}
*/
import "C"

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

//go:noinline
func compute() { C.spin() }

//go:noinline
func backoff() { C.nap(3600) }

func main() {
	go compute()
	for range 2 {
		go backoff()
	}
	go func() {
		runtime.LockOSThread()
		C.nap(3600)
	}()
	time.Sleep(200 * time.Millisecond) // let every goroutine enter C
	syscall.Kill(os.Getpid(), syscall.SIGQUIT)
	select {}
}
