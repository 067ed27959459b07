// Command parsemem parses one goroutine dump with one parser, streaming it
// from the file, and reports the peak memory that took, relative to the
// input size:
//
//	go run ./cmd/parsemem -parser gdiag-w2 -file testdata/generated/500k.txt
//	go run ./cmd/parsemem -all -file testdata/generated/500k.txt
//
// peak RSS is VmHWM from /proc/self/status (the whole process, including
// the Go runtime's own overhead, so compare it across parsers rather than
// reading it absolutely); peak heap is the highest
// /memory/classes/heap/objects:bytes (live and not yet swept objects)
// sampled every millisecond from runtime/metrics; retained is the live heap
// after a GC with the parser's result still reachable. With -all it runs
// itself once per parser, each in its own process so the peaks do not mix,
// and prints a table.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gdiag/gdiag/benchmarks/internal/parsers"
)

// measurement is one parser's run on one file.
type measurement struct {
	Parser        string  `json:"parser"`
	InputBytes    int64   `json:"input_bytes"`
	Goroutines    int     `json:"goroutines"`
	Seconds       float64 `json:"seconds"`
	PeakRSSBytes  int64   `json:"peak_rss_bytes"`
	BaseRSSBytes  int64   `json:"base_rss_bytes"`
	PeakHeapBytes uint64  `json:"peak_heap_bytes"`
	RetainedBytes uint64  `json:"retained_bytes"`
	Err           string  `json:"error,omitempty"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parsemem", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("parser", "gdiag-w1", "parser to run: "+strings.Join(names(), ", "))
	file := fs.String("file", "", "goroutine dump to parse (required)")
	all := fs.Bool("all", false, "run every parser in its own process and print a table")
	skip := fs.String("skip", "panicparse-bucket", "with -all, comma-separated parsers to leave out")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *file == "" {
		fmt.Fprintln(stderr, "parsemem: -file is required")
		return 2
	}
	if *all {
		return runAll(*file, strings.Split(*skip, ","), stdout, stderr)
	}
	p, ok := parsers.Lookup(*name)
	if !ok {
		fmt.Fprintf(stderr, "parsemem: unknown parser %q (have %s)\n", *name, strings.Join(names(), ", "))
		return 2
	}
	m, err := measure(p, *file)
	if err != nil {
		m.Err = err.Error()
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(m); err != nil {
			fmt.Fprintf(stderr, "parsemem: %v\n", err)
			return 1
		}
	} else {
		fmt.Fprintln(stdout, header)
		fmt.Fprintln(stdout, m.row())
	}
	if m.Err != "" {
		fmt.Fprintf(stderr, "parsemem: %s\n", m.Err)
		return 1
	}
	return 0
}

func names() []string {
	var ns []string
	for _, p := range parsers.All() {
		ns = append(ns, p.Name)
	}
	return ns
}

// measure parses file with p, streaming it from disk.
func measure(p parsers.Parser, file string) (measurement, error) {
	m := measurement{Parser: p.Name}
	f, err := os.Open(file)
	if err != nil {
		return m, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return m, err
	}
	m.InputBytes = st.Size()
	runtime.GC()
	if m.BaseRSSBytes, err = vmStatus("VmRSS"); err != nil {
		return m, err
	}

	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	res, perr := p.Parse(f)
	m.Seconds = time.Since(start).Seconds()
	close(done)
	<-sampled
	m.Goroutines = res.Goroutines
	m.PeakHeapBytes = peak.Load()
	if m.PeakRSSBytes, err = vmStatus("VmHWM"); err != nil {
		return m, err
	}
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	m.RetainedBytes = s[0].Value.Uint64()
	runtime.KeepAlive(res)
	return m, perr
}

// vmStatus reads a "kB" field of /proc/self/status in bytes.
func vmStatus(field string) (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("peak rss: %w", err)
	}
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(k) != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/self/status %s: %w", field, err)
		}
		return kb << 10, nil
	}
	return 0, errors.New("/proc/self/status: no " + field)
}

const header = "parser             goroutines  input MiB  seconds peak RSS MiB  ×input peak heap MiB  ×input retained MiB  ×input"

func (m measurement) row() string {
	in := float64(m.InputBytes)
	mb := func(v float64) float64 { return v / (1 << 20) }
	return fmt.Sprintf("%-17s %11d %9.0f %9.2f %12.0f %7.2f %13.0f %7.2f %12.0f %7.2f",
		m.Parser, m.Goroutines, mb(in), m.Seconds,
		mb(float64(m.PeakRSSBytes)), float64(m.PeakRSSBytes)/in,
		mb(float64(m.PeakHeapBytes)), float64(m.PeakHeapBytes)/in,
		mb(float64(m.RetainedBytes)), float64(m.RetainedBytes)/in)
}

// runAll runs this program once per parser, in its own process.
func runAll(file string, skip []string, stdout, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "parsemem: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, header)
	code := 0
	for _, p := range parsers.All() {
		if contains(skip, p.Name) {
			continue
		}
		var out bytes.Buffer
		cmd := exec.Command(self, "-json", "-parser", p.Name, "-file", file)
		cmd.Stdout, cmd.Stderr = &out, stderr
		runErr := cmd.Run()
		var m measurement
		if err := json.NewDecoder(bufio.NewReader(&out)).Decode(&m); err != nil {
			fmt.Fprintf(stderr, "parsemem: %s: %v (%v)\n", p.Name, err, runErr)
			code = 1
			continue
		}
		fmt.Fprintln(stdout, m.row())
		if runErr != nil {
			code = 1
		}
	}
	return code
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}
