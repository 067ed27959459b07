package leaks_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// goldenFinding is the stable summary of one Finding kept in golden files.
type goldenFinding struct {
	Check     string   `json:"check"`
	Verdict   string   `json:"verdict"`
	Severity  string   `json:"severity"`
	Count     int      `json:"count"`
	Op        string   `json:"op"`
	Blocking  string   `json:"blocking"`
	CreatedBy string   `json:"created_by,omitempty"`
	Rule      string   `json:"rule,omitempty"`
	Proven    int      `json:"proven,omitempty"`
	Evidence  []string `json:"evidence"`
}

func frameShort(f stack.Frame) string {
	if f.Func == "" {
		return ""
	}
	return fmt.Sprintf("%s %s:%d", f.Func, path.Base(filepath.ToSlash(f.File)), f.Line)
}

func summarize(fs []leaks.Finding) []goldenFinding {
	out := []goldenFinding{}
	for _, f := range fs {
		g := goldenFinding{Check: f.Check, Verdict: f.Verdict.String(), Severity: f.Severity.String(), Count: f.Count,
			Op: f.Op.String(), Blocking: frameShort(f.Blocking), CreatedBy: frameShort(f.CreatedBy), Rule: f.Rule, Proven: f.Proven}
		for _, e := range f.Evidence {
			g.Evidence = append(g.Evidence, fmt.Sprintf("%s/%d", e.Kind, e.Weight))
		}
		out = append(out, g)
	}
	return out
}

// load reads an input of testdata the way gdiag does (text dump or profile).
func load(t *testing.T, name string) *analyzer.Input {
	t.Helper()
	in, err := analyzer.Load(filepath.Join("testdata", name), analyzer.LoadOptions{Workers: 1})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return in
}

// TestGolden runs Find on every dump in testdata and compares a summary of
// the findings with testdata/NAME.golden.json. A dump NAME.txt with a
// NAME.goroutineleak.pb.gz beside it is also judged with that profile as
// NAME+leakprofile.golden.json.
func TestGolden(t *testing.T) {
	dumps, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(dumps) == 0 {
		t.Fatalf("no dumps in testdata: %v", err)
	}
	for _, d := range dumps {
		name := strings.TrimSuffix(filepath.Base(d), ".txt")
		if strings.HasSuffix(name, ".goroutineleak") {
			continue
		}
		in := load(t, name+".txt")
		if in.Goroutines == nil {
			t.Fatalf("%s: no goroutines", d)
		}
		cases := map[string]leaks.Options{name: {}}
		if _, err := os.Stat(filepath.Join("testdata", name+".goroutineleak.pb.gz")); err == nil {
			cases[name+"+leakprofile"] = leaks.Options{Leaked: load(t, name+".goroutineleak.pb.gz").Leaked}
		}
		for golden, opts := range cases {
			t.Run(golden, func(t *testing.T) {
				got, err := json.MarshalIndent(summarize(leaks.Find(in.Goroutines, opts)), "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, '\n')
				gp := filepath.Join("testdata", golden+".golden.json")
				if *update {
					if err := os.WriteFile(gp, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(gp)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s; run go test -update and review the diff\n%s", golden, gp, got)
				}
			})
		}
	}
}
