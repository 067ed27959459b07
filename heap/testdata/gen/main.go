// Command gen writes the real heap profiles in heap/testdata that the golden
// tests read. It runs the same kinds of workloads as the in-process tests:
//
//	allocs.pb.gz       one allocs snapshot after a churn handler served over
//	                   loopback HTTP (64 KiB per request), a retained site, a
//	                   site whose sizes vary 100×–10000×, a site served by
//	                   pool.Pool and a tiny-object site
//	heap-before.pb.gz  heap snapshots before and after a map cache grew by
//	heap-after.pb.gz   ~2 MiB while the churn handler kept running
//
// Regenerate with `go generate ./heap` (see genFile in golden_test.go), then
// rerun the tests with -update to rewrite the golden files.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"github.com/gdiag/gdiag/pool"
)

var (
	retained [][]byte
	cache    = map[int][]byte{}
	sinkAny  any
	sinkTiny *tiny
)

type tiny struct{ a, b, c int64 }

func main() {
	runtime.MemProfileRate = 1
	out := flag.String("out", "testdata", "directory to write the profiles to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	srv := httptest.NewServer(http.HandlerFunc(handleChurn))
	defer srv.Close()
	get := func(n int) error {
		for range n {
			resp, err := http.Get(srv.URL)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil
	}
	if err := get(200); err != nil {
		return err
	}
	for i := range 1000 {
		retain(i)
	}
	for i := range 40 {
		varySize(i)
	}
	p, err := pool.New("gen-buffers", func() *[]byte { b := make([]byte, 32<<10); return &b })
	if err != nil {
		return err
	}
	for range 2 {
		usePool(p, 50)
	}
	for i := range 100_000 {
		allocTiny(i)
	}
	runtime.GC()
	if err := write(filepath.Join(dir, "allocs.pb.gz"), "allocs"); err != nil {
		return err
	}
	if err := write(filepath.Join(dir, "heap-before.pb.gz"), "heap"); err != nil {
		return err
	}
	for i := range 2000 {
		fillCache(i)
	}
	if err := get(100); err != nil {
		return err
	}
	runtime.GC()
	if err := write(filepath.Join(dir, "heap-after.pb.gz"), "heap"); err != nil {
		return err
	}
	st := p.Stats()
	fmt.Printf("pool %s: gets %d news %d puts %d drops %d new_func %s\n", st.Name, st.Gets, st.News, st.Puts, st.Drops, st.NewFunc)
	return nil
}

func write(name, profile string) error {
	var b bytes.Buffer
	if err := pprof.Lookup(profile).WriteTo(&b, 0); err != nil {
		return err
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

//go:noinline
func handleChurn(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 64<<10)
	n := copy(buf, r.URL.Path)
	_, _ = w.Write(buf[:n])
}

//go:noinline
func retain(i int) {
	b := make([]byte, 4096)
	b[0] = byte(i)
	retained = append(retained, b)
}

//go:noinline
func varySize(i int) {
	sizes := [...]int{100, 1_000, 10_000, 100_000, 1_000_000}
	b := make([]byte, sizes[i%len(sizes)])
	sinkAny = b
}

//go:noinline
func usePool(p *pool.Pool[*[]byte], n int) {
	held := make([]*[]byte, 0, n)
	for range n {
		held = append(held, p.Get())
	}
	for _, b := range held {
		p.Put(b)
	}
}

//go:noinline
func allocTiny(i int) {
	sinkTiny = &tiny{a: int64(i)}
}

//go:noinline
func fillCache(i int) {
	cache[i] = make([]byte, 1024)
}
