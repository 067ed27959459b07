package benchmarks

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/benchmarks/internal/parsers"
	"github.com/gdiag/gdiag/stack"
)

// TestGeneratedDumpIsRealistic checks that the 1k dump gendump wrote has the
// mix the benchmarks claim: every kind of blocking operation, 40 creation
// sites of the workload, stack depths from 5 to 40 frames.
func TestGeneratedDumpIsRealistic(t *testing.T) {
	data, err := os.ReadFile(dumpFile(t, sizes[0]))
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	sites := map[string]bool{}
	depths := map[int]int{}
	depth := -1
	header := regexp.MustCompile(`^goroutine \d+ \[([^,\]]+)`)
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\n")
		switch {
		case header.MatchString(line):
			states[header.FindStringSubmatch(line)[1]]++
			depth = 0
		case strings.HasPrefix(line, "created by "):
			depth-- // its file line is not a frame
			f, _, _ := strings.Cut(strings.TrimPrefix(line, "created by "), " in goroutine")
			if strings.Contains(f, "/internal/shop.(*Shop).start") {
				sites[f] = true
			}
		case strings.HasPrefix(line, "\t") && depth >= 0:
			depth++ // one file line per frame
		case line == "" && depth >= 0:
			depths[depth]++
			depth = -1
		}
	}
	for _, tt := range []struct {
		name string
		give string // state as printed in the header
		want int    // at least this many goroutines
	}{
		{"chan receive", "chan receive", 50},
		{"chan send", "chan send", 20},
		{"nil chan receive", "chan receive (nil chan)", 1},
		{"nil chan send", "chan send (nil chan)", 1},
		{"select", "select", 50},
		{"select no cases", "select (no cases)", 1},
		{"mutex", "sync.Mutex.Lock", 20},
		{"rwmutex readers", "sync.RWMutex.RLock", 20},
		{"waitgroup", "sync.WaitGroup.Wait", 20},
		{"cond", "sync.Cond.Wait", 20},
		{"sleep", "sleep", 10},
		{"network and pipe io", "IO wait", 20},
		{"readers queued on a conn", "semacquire", 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := states[tt.give]; got < tt.want {
				t.Errorf("%d goroutines in [%s], want ≥ %d (states: %v)", got, tt.give, tt.want, states)
			}
		})
	}
	if states["running"]+states["runnable"] < 2 {
		t.Errorf("%d running or runnable goroutines, want the dumper and the running loops", states["running"]+states["runnable"])
	}
	if len(sites) != 40 {
		t.Errorf("%d distinct workload creation sites, want 40", len(sites))
	}
	lo, hi := 1<<30, 0
	for d, n := range depths {
		if n >= 3 { // the workload, not the odd HTTP internals
			lo, hi = min(lo, d), max(hi, d)
		}
	}
	if lo > 6 || hi < 35 {
		t.Errorf("frame depths %d..%d, want from ≤ 6 to ≥ 35", lo, hi)
	}
}

// TestGendumpTracebackLabels checks that -tracebacklabels makes the runtime
// print the workload's pprof labels in the goroutine headers.
func TestGendumpTracebackLabels(t *testing.T) {
	out := filepath.Join(t.TempDir(), "labels.txt")
	runGendump(t, "-n", "300", "-conns", "4", "-http", "4", "-tracebacklabels", "-o", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Go 1.26 prints labels inside the brackets; Go 1.27 after them,
	// quoting only what needs it.
	n := bytes.Count(data, []byte(` labels:{"handler": "site`)) + bytes.Count(data, []byte(`] {handler: site`))
	if n < 30 {
		t.Fatalf("%d labelled goroutine headers, want ≥ 30", n)
	}
	// gdiag keeps every labelled goroutine with its labels; the peers are
	// only logged (gostackparse v0.7.0 drops them, panicparse folds the
	// labels into the state).
	snap, err := stack.Parse(bytes.NewReader(data), stack.ParseOptions{})
	if err != nil {
		t.Fatalf("stack.Parse: %v", err)
	}
	if want := headerCount(data); snap.Total != want {
		t.Errorf("stack.Parse found %d goroutines, want %d", snap.Total, want)
	}
	labelled := 0
	for _, g := range snap.Goroutines {
		if len(g.Labels) == 2 && g.Labels[0].Key == "handler" && g.Labels[1].Key == "tenant" {
			labelled++
		}
	}
	if labelled != n {
		t.Errorf("stack.Parse kept labels on %d goroutines, want %d", labelled, n)
	}
	for _, name := range []string{"gostackparse", "panicparse"} {
		p, _ := parsers.Lookup(name)
		res, err := p.Parse(bytes.NewReader(data))
		t.Logf("%s: %d of %d goroutines (%d labelled), err %v", name, res.Goroutines, headerCount(data), n, err)
	}
}
