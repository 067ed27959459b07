// Command handlerleak serves HTTP requests whose handler starts a goroutine
// that sends its result on an unbuffered channel and gives up waiting for
// it after a short timeout, the most common goroutine leak in services. Each
// request comes on a new connection, so each leaked goroutine was started by
// a different connection goroutine that has exited since. An idle worker
// pool started by one goroutine sits next to it, and 12 open streaming
// requests whose handlers each run a writer goroutine waiting for messages:
// owned by a running call, not leaked. It writes one real dump:
//
//	OUT/handlerleak.txt  runtime.Stack(buf, true)
//
//	go run ./leaks/testdata/gen/handlerleak -out leaks/testdata
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

const requests = 12

func main() {
	out := flag.String("out", ".", "directory to write the dump to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "handlerleak:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	jobs := make(chan func())
	for range 16 {
		go worker(jobs)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", quote)
	mux.HandleFunc("/stream", stream)
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range requests {
		resp, err := client.Get("http://" + ln.Addr().String() + "/quote")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	streams := &http.Client{Transport: &http.Transport{MaxConnsPerHost: requests + 1}}
	for range requests {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ln.Addr().String()+"/stream", nil)
			if resp, err := streams.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // let the connection goroutines exit
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return os.WriteFile(filepath.Join(out, "handlerleak.txt"), buf[:n], 0o644)
		}
		buf = make([]byte, 2*len(buf))
	}
}

// quote asks a slow pricing call for a price and gives up after 5ms; the
// goroutine doing the call then blocks forever on its send.
func quote(w http.ResponseWriter, r *http.Request) {
	price := make(chan int)
	go func() {
		price <- slowPrice() // blocks forever once quote has returned
	}()
	select {
	case p := <-price:
		fmt.Fprintln(w, p)
	case <-time.After(5 * time.Millisecond):
		http.Error(w, "timeout", http.StatusGatewayTimeout)
	}
}

// stream holds a streaming response open until the client goes away; a
// writer goroutine per request waits for messages to send.
func stream(w http.ResponseWriter, r *http.Request) {
	msgs := make(chan string)
	done := make(chan struct{})
	go writer(w, msgs, done)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
	close(msgs)
	<-done
}

func writer(w io.Writer, msgs <-chan string, done chan<- struct{}) {
	defer close(done)
	for m := range msgs { // waits for the next message
		io.WriteString(w, m)
	}
}

func slowPrice() int {
	time.Sleep(20 * time.Millisecond)
	return 42
}

func worker(jobs <-chan func()) {
	for j := range jobs {
		j()
	}
}
