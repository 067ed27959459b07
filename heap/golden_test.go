package heap_test

//go:generate go run -trimpath ./testdata/gen -out testdata

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/heap"
	"github.com/gdiag/gdiag/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden is what a golden file holds.
type golden struct {
	Candidates []heap.Candidate   `json:"candidates"`
	Findings   []report.Finding   `json:"findings"`
	Sections   []report.Section   `json:"sections"`
	Pools      []bundle.PoolStats `json:"pools,omitempty"`
	GC         heap.GCContext     `json:"gc"`
	Options    heap.HeapOptions   `json:"heap_options"`
	Summary    map[string]string  `json:"summary"`
}

func readProfile(t testing.TB, name string) *profile.Profile {
	t.Helper()
	p, err := loadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loadProfile reads the pprof profile testdata/name.
func loadProfile(name string) (*profile.Profile, error) {
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// genFile is the generator's source path as recorded in the checked-in
// profiles: they were made when the generator lived in pool/testdata/gen,
// before heap analysis moved out of package pool. Regenerating them (go
// generate ./heap) records heap/testdata/gen/main.go; change genFile with
// them. The generator's line numbers must not move without regenerating.
const genFile = "github.com/gdiag/gdiag/pool/testdata/gen/main.go"

// genLine returns the line of testdata/gen/main.go that contains s.
func genLine(t *testing.T, s string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "gen", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, s) {
			return genFile + ":" + strconv.Itoa(i+1)
		}
	}
	t.Fatalf("gen/main.go has no line with %q", s)
	return ""
}

func TestGolden(t *testing.T) {
	gc := heap.GCContext{AllocBytesPerSec: 8 << 20, GCCPUShare: 0.2, GOGC: 100, LiveHeapBytes: 8 << 20}
	// The generator's pool counters (printed by the generator).
	pools := []bundle.PoolStats{{Name: "gen-buffers", Gets: 100, News: 50, Puts: 100, NewFunc: "main.run.func2"}}
	tests := []struct {
		name string
		give func() (*heap.HeapReport, error)
		// want: location → check ID of the one finding expected there.
		want map[string]string
	}{
		{
			name: "allocs",
			give: func() (*heap.HeapReport, error) {
				return heap.AnalyzeHeap(nil, readProfile(t, "allocs.pb.gz"), heap.HeapOptions{Seconds: 10})
			},
			want: map[string]string{
				genLine(t, "buf := make([]byte, 64<<10)"):                heap.CheckCandidate,
				genLine(t, "b := make([]byte, 4096)"):                    heap.CheckRetainedObjects,
				genLine(t, "b := make([]byte, sizes[i%len(sizes)])"):     heap.CheckSizeVaries,
				genLine(t, `pool.New("gen-buffers", func() *[]byte { b`): heap.CheckAlreadyPooled,
				genLine(t, "sinkTiny = &tiny{a: int64(i)}"):              heap.CheckTinyObjects,
			},
		},
		{
			name: "diff",
			give: func() (*heap.HeapReport, error) {
				return heap.DiffHeap(readProfile(t, "heap-before.pb.gz"), readProfile(t, "heap-after.pb.gz"), 0, heap.HeapOptions{})
			},
			want: map[string]string{
				genLine(t, "buf := make([]byte, 64<<10)"):   heap.CheckCandidate,
				genLine(t, "cache[i] = make([]byte, 1024)"): heap.CheckInuseGrowth,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := tt.give()
			if err != nil {
				t.Fatal(err)
			}
			opts := heap.CandidateOptions{Pools: pools}
			res := heap.Advise(h, gc, opts)
			g := golden{
				Candidates: res.Candidates,
				Findings:   res.Findings(),
				Pools:      pools,
				GC:         gc,
				Summary:    map[string]string{},
			}
			g.Sections = res.Sections()
			for _, f := range g.Findings {
				if _, ok := tt.want[f.Location]; ok {
					g.Summary[f.Location] += f.Check + " "
				}
			}
			for loc, check := range tt.want {
				if got := strings.TrimSpace(g.Summary[loc]); got != check {
					t.Errorf("findings at %s: %q, want %q", loc, got, check)
				}
			}
			if len(g.Candidates) == 0 || g.Candidates[0].GetIn.Location() != genLine(t, "buf := make([]byte, 64<<10)") {
				t.Errorf("top candidate %+v, want the churn handler", g.Candidates)
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			name := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(name, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the analysis; run go test -update and review the diff", name)
			}
		})
	}
}
