package gctune

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// traceFiles are the gctrace logs in testdata (see testdata/README.md).
var traceFiles = []string{
	"gogc50", "gogc100", "gogc200", "gogc400", "gogcoff-memlimit192",
	"memlimit-near-live", "growing", "leakcheck-scav", "go120-scav", "mixed-cri",
}

func parseFile(t testing.TB, name string) []Cycle {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ParseGCTrace(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cs
}

// TestParseGCTraceGolden parses every real log and compares with its
// golden JSON (go test -run Golden -update rewrites them).
func TestParseGCTraceGolden(t *testing.T) {
	for _, name := range traceFiles {
		t.Run(name, func(t *testing.T) {
			cs := parseFile(t, name)
			got, err := json.MarshalIndent(cs, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("%s: parse differs from %s", name, golden)
			}
		})
	}
}

// TestParseGCTraceFiles checks properties of the real logs that do not
// depend on the golden files.
func TestParseGCTraceFiles(t *testing.T) {
	tests := []struct {
		name                           string
		give                           string
		wantMin                        int // at least this many cycles
		wantForced, wantLeak, wantScav int
		wantProcs                      int
	}{
		{name: "gogc100 has a forced cycle", give: "gogc100", wantMin: 30, wantForced: 1, wantProcs: 2},
		{name: "gogc200", give: "gogc200", wantMin: 15, wantProcs: 2},
		// The first scav line precedes gc 1 and is dropped.
		{name: "leak check and scav lines", give: "leakcheck-scav", wantMin: 8, wantForced: 2, wantLeak: 1, wantScav: 7, wantProcs: 2},
		{name: "go1.20 scav format", give: "go120-scav", wantMin: 8, wantForced: 2, wantScav: 7, wantProcs: 2},
		{name: "container log prefixes", give: "mixed-cri", wantMin: 30, wantForced: 1, wantProcs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := parseFile(t, tt.give)
			if len(cs) < tt.wantMin {
				t.Fatalf("got %d cycles, want ≥ %d", len(cs), tt.wantMin)
			}
			var forced, leak, scav int
			for i, c := range cs {
				if c.Forced {
					forced++
				}
				if c.LeakCheck {
					leak++
				}
				if c.HasScav {
					scav++
				}
				if c.Procs != tt.wantProcs {
					t.Errorf("cycle %d: procs %d, want %d", c.N, c.Procs, tt.wantProcs)
				}
				if i > 0 && (c.N != cs[i-1].N+1 || c.At < cs[i-1].At || c.Line <= cs[i-1].Line) {
					t.Errorf("cycle %d (line %d) does not follow cycle %d (line %d)", c.N, c.Line, cs[i-1].N, cs[i-1].Line)
				}
				if c.LiveBytes > c.HeapEndBytes || c.GoalBytes == 0 || !c.HasRoots || c.CPU() <= 0 {
					t.Errorf("cycle %d: implausible %+v", c.N, c)
				}
			}
			if forced != tt.wantForced || leak != tt.wantLeak || scav != tt.wantScav {
				t.Errorf("forced/leak/scav = %d/%d/%d, want %d/%d/%d", forced, leak, scav, tt.wantForced, tt.wantLeak, tt.wantScav)
			}
		})
	}

	// The container-log variant is gogc100 with prefixes and noise lines.
	plain, mixed := parseFile(t, "gogc100"), parseFile(t, "mixed-cri")
	if len(plain) != len(mixed) {
		t.Fatalf("mixed-cri: %d cycles, gogc100: %d", len(mixed), len(plain))
	}
	for i := range plain {
		a, b := plain[i], mixed[i]
		a.Line, b.Line = 0, 0
		if a != b {
			t.Errorf("cycle %d differs: %+v vs %+v", a.N, a, b)
		}
	}
	// The Go 1.20 rewrite carries the same released totals and work.
	cur, old := parseFile(t, "leakcheck-scav"), parseFile(t, "go120-scav")
	for i := range cur {
		if cur[i].ScavReleasedBytes != old[i].ScavReleasedBytes || cur[i].ScavWorkBytes != old[i].ScavWorkBytes {
			t.Errorf("cycle %d: scav %d/%d vs go1.20 %d/%d", cur[i].N, cur[i].ScavWorkBytes, cur[i].ScavReleasedBytes, old[i].ScavWorkBytes, old[i].ScavReleasedBytes)
		}
	}
}

func TestParseGCTraceLines(t *testing.T) {
	// give lines are taken from testdata logs (first is gogc100.txt line 17),
	// the pre-1.18 one with its stacks/globals fields removed.
	tests := []struct {
		name    string
		give    string
		want    []Cycle
		wantErr string // substring; "" = no error
	}{
		{
			name: "go1.26 line",
			give: "gc 17 @2.375s 1%: 0.11+16+0.006 ms clock, 0.22+1.4/3.2/20+0.013 ms cpu, 122->125->67 MB, 137 MB goal, 0 MB stacks, 1 MB globals, 2 P\n",
			want: []Cycle{{Line: 1, N: 17, At: 2375 * time.Millisecond, CPUPercent: 1,
				SweepTermClock: 110 * time.Microsecond, MarkClock: 16 * time.Millisecond, MarkTermClock: 6 * time.Microsecond,
				SweepTermCPU: 220 * time.Microsecond, AssistCPU: 1400 * time.Microsecond, BackgroundCPU: 3200 * time.Microsecond, IdleCPU: 20 * time.Millisecond, MarkTermCPU: 13 * time.Microsecond,
				HeapStartBytes: 122 << 20, HeapEndBytes: 125 << 20, LiveBytes: 67 << 20, GoalBytes: 137 << 20, GlobalsBytes: 1 << 20, HasRoots: true, Procs: 2}},
		},
		{
			name: "pre-1.18 line without roots, forced",
			give: "gc 9 @1.568s 4%: 0.030+60+0.005 ms clock, 0.060+0/30/83+0.010 ms cpu, 369->369->369 MB, 679 MB goal, 2 P (forced)",
			want: []Cycle{{Line: 1, N: 9, At: 1568 * time.Millisecond, CPUPercent: 4, Forced: true,
				SweepTermClock: 30 * time.Microsecond, MarkClock: 60 * time.Millisecond, MarkTermClock: 5 * time.Microsecond,
				SweepTermCPU: 60 * time.Microsecond, BackgroundCPU: 30 * time.Millisecond, IdleCPU: 83 * time.Millisecond, MarkTermCPU: 10 * time.Microsecond,
				HeapStartBytes: 369 << 20, HeapEndBytes: 369 << 20, LiveBytes: 369 << 20, GoalBytes: 679 << 20, Procs: 2}},
		},
		{
			name:    "truncated line gives a numbered error and keeps the rest",
			give:    "hello\ngc 3 @0.013s 7%: 0.024+7.0+0.042 ms clock, 0.048+0.079/1.0\ngc 4 @0.026s 4%: 0.036+11+0.045 ms clock, 0.073+0.047/0.35/10+0.091 ms cpu, 27->30->30 MB, 32 MB goal, 0 MB stacks, 0 MB globals, 2 P\n",
			want:    []Cycle{{Line: 3, N: 4, At: 26 * time.Millisecond, CPUPercent: 4, SweepTermClock: 36 * time.Microsecond, MarkClock: 11 * time.Millisecond, MarkTermClock: 45 * time.Microsecond, SweepTermCPU: 73 * time.Microsecond, AssistCPU: 47 * time.Microsecond, BackgroundCPU: 350 * time.Microsecond, IdleCPU: 10 * time.Millisecond, MarkTermCPU: 91 * time.Microsecond, HeapStartBytes: 27 << 20, HeapEndBytes: 30 << 20, LiveBytes: 30 << 20, GoalBytes: 32 << 20, HasRoots: true, Procs: 2}},
			wantErr: "gctune: line 2: column 59: cpu phases",
		},
		{
			name: "lookalikes are not gctrace",
			give: `{"msg":"gc 5 @ noon"}` + "\nlogc 12 apples\nscav 1 KiB work, 2 KiB total, 3% util\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGCTrace(strings.NewReader(tt.give))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v, want %q wrapping ErrMalformed", err, tt.wantErr)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d cycles, want %d: %+v", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("cycle %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseGCTraceReadError(t *testing.T) {
	b, err := os.ReadFile("testdata/gogc200.txt")
	if err != nil {
		t.Fatal(err)
	}
	first := b[:bytes.IndexByte(b, '\n')+1]
	boom := errors.New("boom")
	cs, err := ParseGCTrace(iotest.DataErrReader(ioMulti(first, boom)))
	if len(cs) != 1 || !errors.Is(err, boom) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("got %d cycles, %v; want 1 cycle and the read error at line 2", len(cs), err)
	}
}

func TestParseGCTraceManyErrors(t *testing.T) {
	bad := strings.Repeat("gc 1 @1.0s 5%: garbage\n", 50)
	cs, err := ParseGCTrace(strings.NewReader(bad))
	if len(cs) != 0 || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "30 more malformed lines") {
		t.Fatalf("got %d cycles, %v", len(cs), err)
	}
}

// ioMulti returns a reader that yields b and then fails with err.
func ioMulti(b []byte, err error) *errAfter { return &errAfter{b: b, err: err} }

type errAfter struct {
	b   []byte
	err error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, r.err
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func FuzzParseGCTrace(f *testing.F) {
	for _, name := range traceFiles {
		b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if i := bytes.IndexByte(b, '\n'); i > 0 {
			f.Add(b[:i])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := ParseGCTrace(bytes.NewReader(b))
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooManyCycles) {
			t.Fatalf("error does not wrap ErrMalformed or ErrTooManyCycles: %v", err)
		}
		if len(cs) > MaxCycles {
			t.Fatalf("%d cycles > MaxCycles", len(cs))
		}
		lines := bytes.Count(b, []byte("\n")) + 1
		prev := 0
		for _, c := range cs {
			if c.Line <= prev || c.Line > lines {
				t.Fatalf("line %d after %d (input has %d lines)", c.Line, prev, lines)
			}
			prev = c.Line
			if c.At < 0 || c.CPU() < 0 || c.Pause() < 0 || c.LiveBytes < 0 || c.GoalBytes < 0 || c.Procs < 0 || c.N < 0 {
				t.Fatalf("negative field in %+v", c)
			}
		}
		// Analysis of whatever parsed must not panic either.
		if r, err := Analyze(Input{Cycles: cs}, Options{}); err == nil {
			_ = r.Sections()
		}
	})
}

func TestIsGCTraceLine(t *testing.T) {
	const cycle = "gc 1 @0.001s 5%: 0.072+9.5+0.20 ms clock, 0.14+0.32/0.55/0+0.41 ms cpu, 3->9->9 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P"
	tests := []struct {
		line string
		want bool
	}{
		{cycle, true},
		{"2026-11-25T06:20:01.001000Z stderr F " + cycle, true},                                                      // CRI
		{"[pod/api-7d9f/app] " + cycle, true},                                                                        // kubectl logs --prefix
		{"gc 1 @0.001s 5%: 0.072+9.5+0.20 ms clock, 0.14+0.32/0.55/0+0.41 ms cpu, 3->9->9 MB, 4 MB goal, 2 P", true}, // pre-1.18
		{`{"level":"info","msg":"request served","gc 5 @":"not a trace"}`, false},
		{"gc 5 @0.1s", false}, // the start of a line, cut short
		{"goroutine 1 [running]:", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsGCTraceLine(tt.line); got != tt.want {
			t.Errorf("IsGCTraceLine(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}
