// Command leakseq measures which request sequence makes Go's goroutineleak
// profile report every goroutine a program has leaked. The runtime's
// detection is a GC cycle that marks what is reachable; the first request in
// a process was seen to under-report, so each sequence runs in a fresh
// process (the command re-executes itself) that first leaks a known set of
// goroutines, the way real bugs leak them:
//
//	sender      a request gives up on timeout; its worker blocks sending (×4)
//	ranger      a consumer ranges over a channel nobody closes (×2)
//	waiter      a goroutine waits for a WaitGroup that is never done (×1)
//	cond        a goroutine waits on a Cond nobody signals (×1)
//	locker      a goroutine locks a mutex its owner never unlocks (×1)
//
// next to goroutines that block on channels still reachable from a global
// (never leaked), then takes the profile with one sequence and prints, per
// request, how many of the 9 known leaks it listed:
//
//	once       one request, nothing before it
//	gc-before  runtime.GC() before the leaks happen, then one request
//	gc-first   runtime.GC(), then one request
//	twice      two requests back to back (the second is the answer)
//
//	go run ./cmd/leakseq -runs 10                         # Go 1.27+
//	GOEXPERIMENT=goroutineleakprofile go run ./cmd/leakseq  # Go 1.26
//	GOTOOLCHAIN=go1.27.3 go run ./cmd/leakseq -runs 10
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// known is the number of goroutines the child leaks.
const known = 9

// sequences are the request sequences measured, in order.
var sequences = []string{"once", "gc-before", "gc-first", "twice"}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// result is one child's answer.
type result struct {
	Sequence string `json:"sequence"`
	Go       string `json:"go"`
	Found    []int  `json:"found"` // leaked goroutines listed, per request
	Known    int    `json:"known"`
	// Sites are the user functions the last request listed, with counts.
	Sites map[string]int `json:"sites"`
}

func run(args []string, stdout, stderr io.Writer) int {
	if seq := os.Getenv("LEAKSEQ_CHILD"); seq != "" {
		return child(seq, stdout, stderr)
	}
	fs := flag.NewFlagSet("leakseq", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runs := fs.Int("runs", 5, "fresh processes per sequence")
	asJSON := fs.Bool("json", false, "print every child's result as a JSON line")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *runs < 1 {
		fmt.Fprintln(stderr, "leakseq: -runs must be ≥ 1")
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "leakseq:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s, %d known leaks, %d fresh processes per sequence\n", runtime.Version(), known, *runs)
	fmt.Fprintf(stdout, "%-9s %-22s %s\n", "sequence", "full answers", "leaks found per request, each run")
	for _, seq := range sequences {
		var full int
		var per []string
		var missing string
		for range *runs {
			r, err := runChild(self, seq)
			if err != nil {
				fmt.Fprintf(stderr, "leakseq: %s: %v\n", seq, err)
				return 1
			}
			if *asJSON {
				b, _ := json.Marshal(r)
				fmt.Fprintln(stdout, string(b))
			}
			if r.Found[len(r.Found)-1] == r.Known {
				full++
			}
			s := make([]string, len(r.Found))
			for i, n := range r.Found {
				s[i] = fmt.Sprint(n)
			}
			per = append(per, strings.Join(s, "→"))
			if r.Found[len(r.Found)-1] != r.Known && len(missing) == 0 {
				missing = fmt.Sprint(r.Sites)
			}
		}
		fmt.Fprintf(stdout, "%-9s %-22s %s\n", seq, fmt.Sprintf("%d of %d", full, *runs), strings.Join(per, " "))
		if missing != "" {
			fmt.Fprintf(stdout, "%-9s first short answer listed %s\n", "", missing)
		}
	}
	return 0
}

func runChild(self, seq string) (result, error) {
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "LEAKSEQ_CHILD="+seq)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("child: %v: %s", err, errb.String())
	}
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return result{}, fmt.Errorf("child output %q: %v", out.String(), err)
	}
	return r, nil
}

// child leaks the known goroutines, takes the profile with seq and prints
// its result as JSON.
func child(seq string, stdout, stderr io.Writer) int {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		fmt.Fprintln(stderr, "leakseq: no goroutineleak profile in", runtime.Version(), "(Go 1.26 needs GOEXPERIMENT=goroutineleakprofile)")
		return 1
	}
	if seq == "gc-before" {
		runtime.GC()
	}
	leakAll()
	r := result{Sequence: seq, Go: runtime.Version(), Known: known}
	switch seq {
	case "once", "gc-before":
		r.Found = []int{count(p, &r)}
	case "gc-first":
		runtime.GC()
		r.Found = []int{count(p, &r)}
	case "twice":
		r.Found = []int{count(p, &r), count(p, &r)}
	default:
		fmt.Fprintln(stderr, "leakseq: unknown sequence", seq)
		return 2
	}
	runtime.KeepAlive(reachable)
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	return 0
}

// pkgPrefix is this package's prefix in function names: "main." in the
// command, the import path in its test binary.
var pkgPrefix = strings.TrimSuffix(runtime.FuncForPC(reflect.ValueOf(leakAll).Pointer()).Name(), "leakAll")

// count takes the profile once and returns how many goroutines it lists;
// it records in r.Sites this package's functions listed, with counts.
func count(p *pprof.Profile, r *result) int {
	var b bytes.Buffer
	if err := p.WriteTo(&b, 1); err != nil {
		return -1
	}
	var n int
	fmt.Sscanf(b.String(), "goroutineleak profile: total %d", &n)
	r.Sites = map[string]int{}
	_, body, _ := strings.Cut(b.String(), "\n")
	for _, rec := range strings.Split(body, "\n\n") {
		var c int
		if _, err := fmt.Sscanf(rec, "%d @", &c); err != nil {
			continue
		}
		for _, l := range strings.Split(rec, "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[0] == "#" && strings.HasPrefix(f[2], pkgPrefix) {
				r.Sites[strings.TrimPrefix(strings.SplitN(f[2], "+", 2)[0], pkgPrefix)] += c
				break
			}
		}
	}
	return n
}

// reachable keeps channels whose receivers are blocked but not leaked.
var reachable []chan int

func leakAll() {
	for range 4 {
		sender(time.Millisecond)
	}
	for range 2 {
		go ranger(make(chan string))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { wg.Wait() }()
	c := sync.NewCond(&sync.Mutex{})
	go func() {
		c.L.Lock()
		c.Wait()
		c.L.Unlock()
	}()
	mu := new(sync.Mutex)
	mu.Lock()
	go func() { mu.Lock() }()
	for range 3 {
		ch := make(chan int)
		reachable = append(reachable, ch)
		go func() { <-ch }()
	}
	// Let every worker reach its blocking operation; the senders' queries
	// take 10 ms.
	time.Sleep(100 * time.Millisecond)
}

// sender returns on timeout; its worker's send then blocks forever.
//
//go:noinline
func sender(timeout time.Duration) {
	ch := make(chan int)
	go func() { ch <- query() }()
	select {
	case <-ch:
	case <-time.After(timeout):
	}
}

//go:noinline
func query() int {
	time.Sleep(10 * time.Millisecond)
	return 1
}

func ranger(in <-chan string) {
	for range in {
	}
}
