// Package mix starts real goroutines blocked in a realistic mix of states,
// shared by the testdata generator programs under stack/testdata/gen.
//
// It lives under testdata, so `go build ./...` and `go test ./...` ignore it;
// the generators import it explicitly.
package mix

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

// Mix owns the resources that keep the goroutines blocked.
type Mix struct {
	closers []func()
	keep    []any // keeps channels reachable so they are not "leaked"
}

// Options selects optional parts of the mix.
type Options struct {
	// Labels runs some goroutines under pprof.Do labels.
	Labels bool
	// Busy starts a goroutine spinning in a loop.
	Busy bool
	// Deep starts a goroutine blocked under more than 100 frames.
	Deep bool
	// Workers starts that many identical workers blocked on one job channel,
	// so aggregated formats (debug=1, protos) show counts above one.
	Workers int
}

type server struct {
	mu    sync.Mutex
	queue chan int
}

// handle is a method used as a method value in a goroutine.
func (s *server) handle() {
	for v := range s.queue {
		_ = v
	}
}

// lockForever blocks in sync.Mutex.Lock (pointer-receiver method frame).
func (s *server) lockForever() {
	s.mu.Lock()
	s.mu.Unlock()
}

type pair[K comparable, V any] struct {
	k K
	v V
}

// genericWait is a generic function frame blocked on a channel receive.
func genericWait[K comparable, V any](ch <-chan pair[K, V]) V {
	p := <-ch
	return p.v
}

// worker runs jobs until the channel is closed.
func worker(jobs <-chan func()) {
	for job := range jobs {
		job()
	}
}

//go:noinline
func recurse(n int, ch chan struct{}) int {
	if n == 0 {
		<-ch
		return 0
	}
	return recurse(n-1, ch) + 1
}

// Start starts the mix and waits until every goroutine has had time to
// block. The caller must keep the returned Mix alive while dumping.
func Start(opt Options) (*Mix, error) {
	m := &Mix{}

	// Channels.
	sendCh := make(chan int)
	recvCh := make(chan string)
	m.keep = append(m.keep, sendCh, recvCh)
	go func() { sendCh <- 42 }()
	go func() { <-recvCh }()
	var nilCh chan int
	go func() { nilCh <- 1 }()
	go func() { <-nilCh }()
	selA, selB := make(chan int), make(chan int)
	m.keep = append(m.keep, selA, selB)
	go func() {
		select {
		case <-selA:
		case selB <- 1:
		}
	}()
	go func() { select {} }()

	// Method value and generic function.
	s := &server{queue: make(chan int)}
	m.keep = append(m.keep, s)
	go s.handle()
	gch := make(chan pair[string, int])
	m.keep = append(m.keep, gch)
	go func() { genericWait(gch) }()

	// sync.Mutex held by the main goroutine.
	s.mu.Lock()
	go s.lockForever()

	// RWMutex: one reader holds it, a writer waits, a later reader waits behind the writer.
	var rw sync.RWMutex
	m.keep = append(m.keep, &rw)
	rw.RLock()
	go func() { rw.Lock() }()
	time.Sleep(20 * time.Millisecond) // let the writer queue before the second reader
	go func() { rw.RLock() }()

	// WaitGroup and Cond.
	var wg sync.WaitGroup
	wg.Add(1)
	m.keep = append(m.keep, &wg)
	go func() { wg.Wait() }()
	cond := sync.NewCond(&sync.Mutex{})
	m.keep = append(m.keep, cond)
	go func() {
		cond.L.Lock()
		cond.Wait()
		cond.L.Unlock()
	}()

	// Sleep, timer, ticker.
	go func() { time.Sleep(time.Hour) }()
	timer := time.NewTimer(time.Hour)
	m.keep = append(m.keep, timer)
	go func() { <-timer.C }()
	ticker := time.NewTicker(time.Hour)
	m.keep = append(m.keep, ticker)
	go func() {
		for range ticker.C {
		}
	}()

	// Loopback TCP: an accept loop, and a server connection blocked in Read.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mix: listen: %w", err)
	}
	m.closers = append(m.closers, func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
			go func() {
				buf := make([]byte, 64)
				c.Read(buf)
			}()
		}
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("mix: dial: %w", err)
	}
	m.closers = append(m.closers, func() { client.Close() })
	<-accepted

	// os.Pipe read (file IO through the poller).
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("mix: pipe: %w", err)
	}
	m.closers = append(m.closers, func() { pw.Close(); pr.Close() })
	go func() {
		buf := make([]byte, 64)
		pr.Read(buf)
	}()

	// A blocking raw read(2) on a blocking pipe: the goroutine sits in [syscall].
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		return nil, fmt.Errorf("mix: syscall pipe: %w", err)
	}
	m.closers = append(m.closers, func() { syscall.Close(fds[1]) })
	go func() {
		buf := make([]byte, 64)
		syscall.Read(fds[0], buf)
	}()

	// Locked to an OS thread, then blocked.
	lockedCh := make(chan int)
	m.keep = append(m.keep, lockedCh)
	go func() {
		runtime.LockOSThread()
		<-lockedCh
	}()

	if opt.Busy {
		stop := make(chan struct{})
		m.closers = append(m.closers, func() { close(stop) })
		go func() {
			x := 0
			for {
				x++
				if x%(1<<20) == 0 {
					select {
					case <-stop:
						return
					default:
					}
				}
			}
		}()
	}

	if opt.Deep {
		deepCh := make(chan struct{})
		m.keep = append(m.keep, deepCh)
		go func() { recurse(150, deepCh) }()
	}

	jobs := make(chan func())
	m.keep = append(m.keep, jobs)
	for range opt.Workers {
		go worker(jobs)
	}

	if opt.Labels {
		for _, l := range []struct{ handler, tenant string }{
			{"/checkout", "acme"}, {"/checkout", "globex"}, {"/cart", "acme"},
		} {
			labelCh := make(chan int)
			m.keep = append(m.keep, labelCh)
			go func() {
				pprof.Do(context.Background(), pprof.Labels("handler", l.handler, "tenant", l.tenant), func(context.Context) {
					<-labelCh
				})
			}()
		}
		// Label sets that need the runtime's quoting: Go 1.27 prints
		// keys and values made of [A-Za-z0-9./_] bare and quotes the rest
		// (\", \n, \t, \xff, \u00e9, \U0001f6d2), Go 1.26 quotes all.
		for _, set := range [][]string{
			{"handler", "checkout", "sku id", `a"b`},
			{"query", "a, b: {c} [d]", "empty", ""},
			{"", "empty key", "café", "☕ \U0001F6D2", "raw", "\xff\tx\ny"},
			{"route", "/api/v1/items", "trace.id", "4bf92f3577b34da6"},
		} {
			labelCh := make(chan int)
			m.keep = append(m.keep, labelCh)
			go func() {
				pprof.Do(context.Background(), pprof.Labels(set...), func(context.Context) {
					<-labelCh
				})
			}()
		}
	}

	time.Sleep(200 * time.Millisecond) // let every goroutine reach its blocking call
	return m, nil
}

// Close releases the listener, connections and pipes.
func (m *Mix) Close() {
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
}

// Keep returns values that must stay reachable while dumping.
func (m *Mix) Keep() []any { return m.keep }

// AllStacks returns runtime.Stack(buf, true), growing the buffer as needed.
func AllStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
