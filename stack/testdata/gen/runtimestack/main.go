// Command runtimestack writes runtime.Stack(buf, true) of the full mix
// (channels, nil channels, select, mutexes, WaitGroup, Cond, sleep, timer,
// ticker, loopback TCP, pipe, raw syscall, busy loop, locked thread, method
// values, closures, generics, >100-frame recursion) to stdout.
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/gdiag/gdiag/stack/testdata/gen/mix"
)

func main() {
	m, err := mix.Start(mix.Options{Busy: true, Deep: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := mix.AllStacks()
	m.Close()
	os.Stdout.Write(out)
	runtime.KeepAlive(m.Keep())
}
