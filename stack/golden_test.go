package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// goldenGoroutine is the stable summary of one goroutine kept in golden files.
type goldenGoroutine struct {
	Line      int      `json:"line"`
	ID        int64    `json:"id"`
	Count     int      `json:"count,omitempty"`
	State     string   `json:"state,omitempty"`
	Op        string   `json:"op"`
	Wait      string   `json:"wait,omitempty"`
	Flags     []string `json:"flags,omitempty"`
	Bubble    int64    `json:"bubble,omitempty"`
	M         int64    `json:"m,omitempty"`
	Labels    []string `json:"labels,omitempty"`
	Frames    int      `json:"frames"`
	Top       string   `json:"top,omitempty"`
	FirstUser string   `json:"first_user,omitempty"`
	Elided    int      `json:"elided,omitempty"`
	CreatedBy string   `json:"created_by,omitempty"`
	Parent    int64    `json:"parent,omitempty"`
	Ancestors []string `json:"ancestors,omitempty"`
}

type goldenSnapshot struct {
	Format     string            `json:"format"`
	Reason     string            `json:"reason,omitempty"`
	Total      int               `json:"total"`
	Records    int               `json:"records"`
	Stacks     int               `json:"distinct_stacks"`
	Buckets    int               `json:"buckets_exact"`
	Error      string            `json:"error,omitempty"`
	Skipped    int               `json:"skipped,omitempty"`
	Truncated  bool              `json:"truncated,omitempty"`
	Scheduler  []string          `json:"scheduler_stacks,omitempty"`
	Goroutines []goldenGoroutine `json:"goroutines"`
}

func frameText(f Frame) string {
	if f.File == "" {
		return f.Func
	}
	return f.Func + " " + f.File + ":" + itoa(f.Line)
}

func itoa(n int) string { return strconv.Itoa(n) }

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagLockedToThread, "locked"}, {FlagLeaked, "leaked"}, {FlagScan, "scan"},
	{FlagDurable, "durable"}, {FlagSystem, "system"},
}

func summarize(s *Snapshot, err error) goldenSnapshot {
	out := goldenSnapshot{Format: s.Format.String(), Reason: s.Reason, Total: s.Total,
		Records: len(s.Goroutines), Buckets: len(Group(s.Goroutines, GroupOptions{}))}
	if err != nil {
		out.Error = err.Error()
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		out.Skipped = pe.Skipped
		out.Truncated = pe.Truncated
	}
	stacks := map[*Stack]bool{}
	for _, g := range s.Goroutines {
		stacks[g.Stack] = true
		gg := goldenGoroutine{Line: g.Line, ID: g.ID, State: g.State, Op: g.Op.String(),
			Bubble: g.Bubble, Frames: len(g.Stack.Frames), Elided: g.Stack.Elided, Parent: g.ParentID}
		if g.Count != 1 {
			gg.Count = g.Count
		}
		if g.HasM {
			gg.M = g.M + 1000 // distinguishes m=0 from absent
		}
		if g.Wait != 0 {
			gg.Wait = g.Wait.String()
		}
		for _, f := range flagNames {
			if g.Flags&f.f != 0 {
				gg.Flags = append(gg.Flags, f.name)
			}
		}
		for _, l := range g.Labels {
			gg.Labels = append(gg.Labels, l.Key+"="+l.Value)
		}
		if len(g.Stack.Frames) > 0 {
			gg.Top = frameText(g.Stack.Frames[0])
		}
		if f, ok := g.Stack.FirstUser(); ok {
			gg.FirstUser = f.Func
		}
		if g.CreatedBy.Func != "" {
			gg.CreatedBy = frameText(g.CreatedBy)
		}
		for _, a := range g.Ancestors {
			gg.Ancestors = append(gg.Ancestors, "goroutine "+itoa(int(a.ID))+": "+itoa(len(a.Stack.Frames))+" frames")
		}
		out.Goroutines = append(out.Goroutines, gg)
	}
	out.Stacks = len(stacks)
	for _, g := range s.SchedulerStacks {
		out.Scheduler = append(out.Scheduler, "m="+itoa(int(g.M))+": "+itoa(len(g.Stack.Frames))+" frames")
	}
	return out
}

// testdataDumps lists the real dumps in testdata.
func testdataDumps(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.txt")
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, file := range append(testdataDumps(t), wrappedDumps(t)...) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, perr := Parse(bytes.NewReader(data), ParseOptions{Workers: 1})
			got, err := json.MarshalIndent(summarize(s, perr), "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(file, ".txt") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./stack -update)", err)
			}
			// Compared as JSON values: encoding/json writes an invalid UTF-8
			// byte as \ufffd on Go 1.26 and as the raw U+FFFD on Go 1.27.
			if !bytes.Equal(got, want) && !sameJSON(got, want) {
				t.Errorf("%s differs from the parse result; run go test ./stack -update and review the diff\ngot:\n%s", golden, got)
			}
		})
	}
}

// sameJSON reports whether a and b decode to the same JSON value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
