// Command healthy runs a healthy net/http service under load from keep-alive
// clients and writes two real dumps:
//
//	OUT/healthy-load.txt  runtime.Stack(buf, true) while 32 clients are in
//	                      flight (handlers waiting on a worker pool, a mutex
//	                      and a slow backend)
//	OUT/healthy-idle.txt  after the load: the server's keep-alive connections
//	                      and the clients' idle connections, an idle worker
//	                      pool, os/signal, a context-aware ticker loop and a
//	                      database/sql pool (over a minimal in-process driver)
//
// Nothing in it leaks: both dumps must come out without a likely or proven
// leak.
//
//	go run ./leaks/testdata/gen/healthy -out leaks/testdata
package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const clients = 32

func main() {
	out := flag.String("out", ".", "directory to write the dumps to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "healthy:", err)
		os.Exit(1)
	}
}

// service answers /work by handing the request to a bounded worker pool and
// waiting for the result, under a shared mutex for its counters.
type service struct {
	jobs  chan job
	mu    sync.Mutex
	count int
}

type job struct {
	n     int
	reply chan int // buffered: the worker never blocks on a gone handler
}

func (s *service) worker(ctx context.Context) {
	for {
		select {
		case j := <-s.jobs:
			time.Sleep(2 * time.Millisecond) // a slow backend
			j.reply <- j.n * 2
		case <-ctx.Done():
			return
		}
	}
}

func (s *service) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.count++
	s.mu.Unlock()
	j := job{n: 21, reply: make(chan int, 1)}
	select {
	case s.jobs <- j:
	case <-r.Context().Done():
		return
	}
	select {
	case v := <-j.reply:
		fmt.Fprintln(w, v)
	case <-r.Context().Done():
	}
}

func run(out string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &service{jobs: make(chan job)}
	for range 4 {
		go s.worker(ctx)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	defer signal.Stop(sig)
	go tickLoop(ctx)
	sql.Register("healthy-null", nullDriver{})
	db, err := sql.Open("healthy-null", "")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/work", s.handle)
	srv := &http.Server{Handler: mux, IdleTimeout: time.Minute}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/work"

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 5 * time.Second}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000 && !stop.Load(); i++ {
				resp, err := client.Get(url)
				if err != nil {
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	if err := writeStacks(filepath.Join(out, "healthy-load.txt")); err != nil {
		return err
	}
	stop.Store(true)
	wg.Wait()
	time.Sleep(100 * time.Millisecond)
	return writeStacks(filepath.Join(out, "healthy-idle.txt"))
}

// nullDriver is the smallest database/sql driver: connections that accept
// pings and nothing else. It exists so the dump shows database/sql's own
// background goroutines (the connection opener).
type nullDriver struct{}

type nullConn struct{}

func (nullDriver) Open(string) (driver.Conn, error) { return nullConn{}, nil }

func (nullConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("null driver: no statements")
}
func (nullConn) Close() error              { return nil }
func (nullConn) Begin() (driver.Tx, error) { return nil, errors.New("null driver: no transactions") }

func tickLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

func writeStacks(path string) error {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return os.WriteFile(path, buf[:n], 0o644)
		}
		buf = make([]byte, 2*len(buf))
	}
}
