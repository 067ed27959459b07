package analyzer_test

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/leaks"
)

// Load a bundle the collector captured: what is in it is recognised by
// content, never by file name.
func ExampleLoad() {
	in, err := analyzer.Load("../cmd/gdiag/testdata/flashsale.gdiag", analyzer.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var kinds []string
	for k := range in.Profiles {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	fmt.Println(in.Kind, in.Manifest.GoVersion)
	fmt.Println(in.Goroutines.Total, "goroutines,", in.Leaked.Total, "proven leaked by the runtime")
	fmt.Println("profiles:", kinds)
	fmt.Println(len(in.Metrics.Samples), "metrics samples")
	// Output:
	// bundle go1.27.3
	// 616 goroutines, 17 proven leaked by the runtime
	// profiles: [allocs block goroutine-profile goroutineleak heap mutex]
	// 10 metrics samples
}

// Analyze runs every check over the loaded inputs and returns one report,
// findings most important first (report.Sort).
func ExampleAnalyze() {
	in, err := analyzer.Load("../cmd/gdiag/testdata/flashsale.gdiag", analyzer.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := analyzer.Analyze([]*analyzer.Input{in}, analyzer.Options{})
	for _, f := range r.Findings[:4] {
		fmt.Println(f.Severity, f.Check, f.Verdict, filepath.Base(f.Location))
	}
	// Output:
	// critical leaks/chan-send-forever proven-leak leak.go:45
	// high leaks/chan-receive-forever likely-leak leak.go:74
	// high leaks/chan-receive-forever likely-leak leak.go:110
	// low leaks/chan-send-forever suspect leak.go:45
}

// Diff compares goroutine snapshots of one process: bundles are put in
// capture-time order whatever order they are given in.
func ExampleDiff() {
	var ins []*analyzer.Input
	for _, name := range []string{"series-3.gdiag", "series-1.gdiag", "series-2.gdiag"} {
		in, err := analyzer.Load("../leaks/testdata/"+name, analyzer.LoadOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		ins = append(ins, in)
	}
	r := analyzer.Diff(ins, analyzer.Options{})
	fmt.Println(r.Title)
	for _, f := range r.Findings {
		fmt.Printf("%s %s: %d goroutines, +%.0f/min\n", f.Check, f.Verdict, f.Count, f.Metrics[leaks.MetricGrowthPerMinute])
	}
	// Output:
	// diff ../leaks/testdata/series-1.gdiag → ../leaks/testdata/series-2.gdiag → ../leaks/testdata/series-3.gdiag
	// leaks/chan-send-forever likely-leak: 118 goroutines, +2180/min
}
