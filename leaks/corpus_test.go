package leaks_test

//go:generate sh testdata/corpus/gen/generate.sh

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// corpusBucket names one expected bucket of a corpus program: a function in
// its stack and, optionally, its creation site.
type corpusBucket struct {
	Func      string `json:"func"`
	CreatedBy string `json:"created_by"`
}

type corpusProgram struct {
	Source   string         `json:"source"`
	Healthy  bool           `json:"healthy"`
	Leaks    []corpusBucket `json:"leaks"`
	Optional []corpusBucket `json:"optional"`
}

func (b corpusBucket) matches(f *leaks.Finding) bool {
	if b.CreatedBy != "" && f.CreatedBy.Func != b.CreatedBy {
		return false
	}
	if f.Stack == nil {
		return false
	}
	for _, fr := range f.Stack.Frames {
		if fr.Func == b.Func {
			return true
		}
	}
	return false
}

// corpusScore is the result of Find on the whole corpus in one mode.
type corpusScore struct {
	found, leaky int      // labelled leaking buckets called likely or proven, of all
	fp           int      // other buckets called likely or proven
	rows         []string // one line per program for the table
	misses       []string
	fps          []string
}

func (s corpusScore) recall() float64 {
	if s.leaky == 0 {
		return 0
	}
	return float64(s.found) / float64(s.leaky)
}

func loadCorpusLabels(t *testing.T) map[string]corpusProgram {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "corpus", "labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]corpusProgram)
	for name, msg := range raw {
		if strings.HasPrefix(name, "_") {
			continue
		}
		var p corpusProgram
		if err := json.Unmarshal(msg, &p); err != nil {
			t.Fatalf("labels.json: %s: %v", name, err)
		}
		out[name] = p
	}
	return out
}

func parseCorpusFile(t *testing.T, path string) *stack.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := stack.Parse(f, stack.ParseOptions{})
	if err != nil && !errors.Is(err, stack.ErrNoGoroutine) {
		t.Fatalf("%s: %v", path, err)
	}
	return snap
}

// scoreCorpus runs Find on every corpus dump in dir, with the goroutineleak
// profile of the same moment when withProfile is set.
func scoreCorpus(t *testing.T, labels map[string]corpusProgram, dir string, withProfile, quiescent bool) corpusScore {
	t.Helper()
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	sort.Strings(names)
	var s corpusScore
	for _, name := range names {
		p := labels[name]
		snap := parseCorpusFile(t, filepath.Join(dir, name+".txt"))
		opts := leaks.Options{Quiescent: quiescent}
		if withProfile {
			path := filepath.Join(dir, name+".goroutineleak.txt")
			if _, err := os.Stat(path); err != nil {
				t.Skipf("no goroutineleak profile for %s (regenerate with a Go 1.26 toolchain)", name)
			}
			opts.Leaked = parseCorpusFile(t, path)
		}
		fs := leaks.Find(snap, opts)
		var cells []string
		for _, want := range p.Leaks {
			s.leaky++
			best := leaks.Verdict(0)
			seen := false
			for i := range fs {
				if want.matches(&fs[i]) && (!seen || fs[i].Verdict > best) {
					best, seen = fs[i].Verdict, true
				}
			}
			cell := "missing"
			if seen {
				cell = best.String()
			}
			if seen && best.IsLeak() {
				s.found++
			} else {
				s.misses = append(s.misses, fmt.Sprintf("%s: %s is %s", name, want.Func, cell))
			}
			cells = append(cells, fmt.Sprintf("%s=%s", short(want.Func), cell))
		}
		fp := 0
	findings:
		for i := range fs {
			f := &fs[i]
			if !f.Verdict.IsLeak() {
				continue
			}
			for _, b := range append(append([]corpusBucket(nil), p.Leaks...), p.Optional...) {
				if b.matches(f) {
					continue findings
				}
			}
			fp++
			s.fps = append(s.fps, fmt.Sprintf("%s: %d goroutines at %s (%s) called %s", name, f.Count, f.Blocking.Func, f.State, f.Verdict))
		}
		s.fp += fp
		kind := "leaky"
		if p.Healthy {
			kind = "healthy"
		}
		s.rows = append(s.rows, fmt.Sprintf("| %s | %s | %s | %d |", name, kind, strings.Join(cells, ", "), fp))
	}
	return s
}

func short(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// TestCorpus scores Find on the labelled corpus of blocking bugs from the
// published studies of Go concurrency bugs (testdata/corpus, regenerated
// with go generate): recall is the share of leaking buckets called likely or
// proven, false positives are other buckets called likely or proven. It
// fails when either falls below the floors, so regressions show; run with
// -v for the table. The corpus measures the rules; it must not be used to
// tune them.
func TestCorpus(t *testing.T) {
	labels := loadCorpusLabels(t)
	if len(labels) < 20 {
		t.Fatalf("%d corpus programs, want at least 20", len(labels))
	}
	for _, tc := range []struct {
		name        string
		dir         string // under testdata/corpus: "" for Go 1.26, go1.27
		withProfile bool
		quiescent   bool
		minRecall   float64
		maxFP       int
	}{
		// Without the profile a fresh dump (waits under a minute, no
		// history, piles of 5 to 30) shows little beyond what blocks
		// forever: the floor is what the rules reach today (7/23).
		{name: "dump", minRecall: 0.30, maxFP: 1},
		{name: "dump+goroutineleak", withProfile: true, minRecall: 0.8, maxFP: 1},
		// Options.Quiescent: the caller says nothing should be in flight,
		// as at the end of a test.
		// Healthy programs with work in flight (lock contention, slow
		// sync.Once inits, busy subscribers) are not quiescent: their
		// blocked goroutines count as false positives here.
		{name: "dump,quiescent", quiescent: true, minRecall: 0.9, maxFP: 8},
		// The same programs run on Go 1.27.3, whose leak profile needs no
		// experiment.
		{name: "go1.27/dump", dir: "go1.27", minRecall: 0.30, maxFP: 1},
		{name: "go1.27/dump+goroutineleak", dir: "go1.27", withProfile: true, minRecall: 0.8, maxFP: 1},
		{name: "go1.27/dump,quiescent", dir: "go1.27", quiescent: true, minRecall: 0.9, maxFP: 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scoreCorpus(t, labels, filepath.Join("testdata", "corpus", tc.dir), tc.withProfile, tc.quiescent)
			t.Logf("recall %d/%d = %.2f, false positives %d", s.found, s.leaky, s.recall(), s.fp)
			t.Logf("| program | kind | expected leaking buckets: verdict | false positives |\n|---|---|---|---|\n%s", strings.Join(s.rows, "\n"))
			for _, m := range s.misses {
				t.Logf("miss: %s", m)
			}
			for _, f := range s.fps {
				t.Logf("false positive: %s", f)
			}
			if s.recall() < tc.minRecall {
				t.Errorf("recall %.2f below the floor %.2f", s.recall(), tc.minRecall)
			}
			if s.fp > tc.maxFP {
				t.Errorf("%d false positives, at most %d allowed", s.fp, tc.maxFP)
			}
		})
	}
}
