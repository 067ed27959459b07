// Command debug2 serves net/http/pprof on a loopback port, starts the mix and
// fetches /debug/pprof/goroutine?debug=2 over HTTP, writing the body to stdout.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"

	"github.com/gdiag/gdiag/stack/testdata/gen/mix"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "debug2:", err)
		os.Exit(1)
	}
}

func run() error {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()

	m, err := mix.Start(mix.Options{Busy: true, Deep: true, Labels: true, Workers: 3})
	if err != nil {
		return err
	}
	defer m.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=2")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	_, err = io.Copy(os.Stdout, resp.Body)
	runtime.KeepAlive(m.Keep())
	return err
}
