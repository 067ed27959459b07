package analyzer

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// leakProfileVersions are the toolchains whose output testdata/gen/leakprofile
// wrote: Go 1.26 with GOEXPERIMENT=goroutineleakprofile, Go 1.27 as is.
var leakProfileVersions = []string{"go1.26", "go1.27"}

// TestLeakProfileAlone: Go's goroutineleak profile is proof on its own.
// Given alone (proto or debug=1), with the dump of the same moment, or as
// the "(leaked)" marks of a dump taken after it, `gdiag analyze` reports
// every leaked goroutine as a proven leak, with its count and labels, and
// exactly the leaked ones: of six workers blocked at one line, the three
// whose callers gave up are proven, the three still awaited are judged
// apart. Real output of Go 1.26.8 and 1.27.3; goldens with -update.
func TestLeakProfileAlone(t *testing.T) {
	// What the generator leaked, by blocking function: count and labels.
	leaked := map[string]int{"main.worker": 3, "main.checkout.func1": 2, "main.consume": 2, "main.main.func6": 1, "main.main.func7": 1}
	for _, v := range leakProfileVersions {
		for _, tt := range []struct {
			name  string
			files []string
			// labels: the input carries the checkout senders' labels.
			labels bool
			// apart: the three workers still awaited are in the input,
			// judged apart; ids: with their goroutine ids.
			apart, ids bool
		}{
			{"proto", []string{".pb.gz"}, true, false, false},
			{"debug1", []string{".txt"}, false, false, false},
			{"dump+proto", []string{".dump.txt", ".pb.gz"}, false, true, false},
			{"proto+dump", []string{".pb.gz", ".dump.txt"}, false, true, false},
			{"leaked-dump", []string{".leaked.txt"}, false, true, true},
			// A bundle: the profile, then the dump taken after it.
			{"leaked-dump+proto", []string{".leaked.txt", ".pb.gz"}, false, true, true},
		} {
			t.Run(v+"/"+tt.name, func(t *testing.T) {
				var ins []*Input
				for _, f := range tt.files {
					ins = append(ins, leakProfileInput(t, "leakprofile-"+v+f))
				}
				r := Analyze(ins, Options{})
				got := map[string]int{}
				var apart []report.Finding
				for _, f := range r.Findings {
					if !strings.HasPrefix(f.Check, "leaks/") {
						continue
					}
					if f.Verdict != "proven-leak" {
						apart = append(apart, f)
						continue
					}
					got[f.Function] += f.Count
					if f.Function == "main.checkout.func1" && tt.labels && !hasLabelSet(f.Labels, "handler", "checkout", f.Count) {
						t.Errorf("checkout finding lacks its labels: %+v", f.Labels)
					}
					if f.Function == "main.worker" && tt.ids && len(f.GoroutineIDs) != 3 {
						t.Errorf("proven workers have ids %v, want the 3 marked (leaked)", f.GoroutineIDs)
					}
				}
				for fn, n := range leaked {
					if got[fn] != n {
						t.Errorf("%s: %d proven, want %d (all proven: %v)", fn, got[fn], n, got)
					}
				}
				if len(got) != len(leaked) {
					t.Errorf("proven %v, want exactly %v", got, leaked)
				}
				switch {
				case tt.apart && (len(apart) != 1 || apart[0].Function != "main.worker" || apart[0].Count != 3):
					t.Errorf("want the 3 awaited workers judged apart, not proven; got %+v", apart)
				case tt.apart && tt.ids && len(apart[0].GoroutineIDs) != 3:
					t.Errorf("awaited workers have ids %v, want 3", apart[0].GoroutineIDs)
				case !tt.apart && len(apart) != 0:
					t.Errorf("a profile alone lists only leaked goroutines, got unproven findings %+v", apart)
				}
				checkLeakGolden(t, fmt.Sprintf("leakprofile-%s.%s.golden", v, tt.name), r)
			})
		}
		t.Run(v+"/none", func(t *testing.T) {
			// The profile of a process that has not leaked: read, and
			// reported as the runtime's clean bill for what it can see.
			in := leakProfileInput(t, "leakprofile-"+v+"-none.txt")
			if in.Leaked == nil || in.Leaked.Total != 0 {
				t.Fatalf("empty profile loaded as %+v", in)
			}
			r := Analyze([]*Input{in}, Options{})
			if len(r.Findings) != 0 {
				t.Errorf("findings %+v", r.Findings)
			}
			checkLeakGolden(t, "leakprofile-"+v+".none.golden", r)
		})
	}
}

func leakProfileInput(t *testing.T, name string) *Input {
	t.Helper()
	in, err := Load(filepath.Join("testdata", name), LoadOptions{Workers: 1})
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return in
}

// checkLeakGolden compares the leak findings and notes of r, one line per
// fact, with testdata/name.
func checkLeakGolden(t *testing.T, name string, r *report.Report) {
	t.Helper()
	var b strings.Builder
	for _, s := range r.Sections {
		if s.ID == "leaks" {
			for _, n := range s.Notes {
				fmt.Fprintf(&b, "note: %s\n", n)
			}
		}
	}
	for _, f := range r.Findings {
		if !strings.HasPrefix(f.Check, "leaks/") {
			continue
		}
		fmt.Fprintf(&b, "\n%s %s %d %s created by %s ids %v\n", f.Verdict, f.Check, f.Count, f.Function, f.CreatedBy, f.GoroutineIDs)
		for _, l := range f.Labels {
			fmt.Fprintf(&b, "  labels %v: %d\n", l.Labels, l.Count)
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "  - %s\n", e)
		}
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./analyzer -run TestLeakProfileAlone -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("%s differs (run with -update and review the diff):\n%s", path, b.String())
	}
}

// TestLeakAdviceFollowsTheBundle: a bundle without a leak profile gets the
// advice for the Go version in its manifest.
func TestLeakAdviceFollowsTheBundle(t *testing.T) {
	in := loadLeakInput(t, "series-3.gdiag")
	for _, v := range []string{"go1.27.3", "go1.26.8"} {
		in.Manifest.GoVersion = v
		in.Leaked = nil
		r := Analyze([]*Input{in}, Options{})
		var notes []string
		for _, s := range r.Sections {
			if s.ID == "leaks" {
				notes = s.Notes
			}
		}
		want := leaks.ProfileAdvice(v)
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.HasSuffix(n, want) }) {
			t.Errorf("%s: leak notes %q lack %q", v, notes, want)
		}
	}
}

// hasLabelSet says ls is exactly one set, {key=value}, of n goroutines.
func hasLabelSet(ls []report.LabelCount, key, value string, n int) bool {
	return len(ls) == 1 && len(ls[0].Labels) == 1 && ls[0].Labels[key] == value && ls[0].Count == n
}
