// Command wrappers prints runtime.Stack(all) with goroutines started through
// wrappers that run the go statement for their caller: sync.WaitGroup.Go
// (Go 1.25+) and golang.org/x/sync/errgroup's Group.Go and TryGo. The
// runtime names the wrapper as their creator; gdiag must charge them to
// startWorkers and fetchAll. It is its own module so gdiag does not depend
// on x/sync.
package main

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

func startWorkers(wg *sync.WaitGroup, block chan struct{}) {
	wg.Go(func() {
		<-block // blocked in the closure startWorkers handed to WaitGroup.Go
	})
}

func fetchAll(g *errgroup.Group, block chan struct{}) {
	g.Go(func() error {
		<-block
		return nil
	})
	g.TryGo(func() error {
		<-block
		return nil
	})
}

func main() {
	block := make(chan struct{})
	var wg sync.WaitGroup
	var g errgroup.Group
	startWorkers(&wg, block)
	fetchAll(&g, block)
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		n := runtime.Stack(buf, true)
		if strings.Count(string(buf[:n]), "[chan receive]") >= 3 {
			os.Stdout.Write(buf[:n])
			return
		}
		runtime.Gosched()
	}
	os.Stderr.WriteString("wrappers: goroutines did not block\n")
	os.Exit(1)
}
