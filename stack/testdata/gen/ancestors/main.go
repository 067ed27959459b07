// Command ancestors builds chains of goroutines, each created by the one
// before it (some creators have exited, some still run), then waits for
// handlers that never finish: the runtime reports "all goroutines are asleep -
// deadlock!" on stderr. Run with GODEBUG=tracebackancestors=5 so each stack is
// followed by "[originating from goroutine N]:" blocks for up to five
// creators.
package main

import "sync"

type acceptor struct{ conns chan chan int }

func (a *acceptor) serve(wg *sync.WaitGroup) {
	defer wg.Done()
	for i := range 2 {
		wg.Add(1)
		go handle(i, wg) // creator (acceptor) exits afterwards
	}
}

func handle(i int, wg *sync.WaitGroup) {
	defer wg.Done()
	done := make(chan struct{})
	go func() { // still-running creator: waits for its child
		defer close(done)
		child := make(chan int)
		go stream(i, child)
		<-child
	}()
	if i == 0 {
		<-done
	}
}

func stream(i int, out chan int) {
	block := make(chan int)
	<-block
	out <- i
}

func main() {
	var wg sync.WaitGroup
	a := &acceptor{}
	wg.Add(1)
	go a.serve(&wg)
	wg.Wait() // never returns: handle(0) waits for a stream that never ends
}
