package analyzer_test

import (
	"strings"
	"testing"

	"github.com/gdiag/gdiag/analyzer"
)

// TestDebug1UnknownOpsExplained: pprof's debug=1 text has no runtime
// frames, so most goroutines have no known operation; the summary says why
// and what to give instead, and a debug=2 dump of the same program needs no
// such note.
func TestDebug1UnknownOpsExplained(t *testing.T) {
	tests := []struct {
		name string
		give string
		want bool
	}{
		{name: "debug=1", give: "../stack/testdata/debug1.txt", want: true},
		{name: "debug=2", give: "../stack/testdata/debug2.txt", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := analyzer.Load(tt.give, analyzer.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := analyzer.Analyze([]*analyzer.Input{in}, analyzer.Options{})
			got := false
			for _, s := range r.Sections {
				if s.ID != "goroutine-summary" {
					continue
				}
				for _, n := range s.Notes {
					got = got || strings.Contains(n, "debug=1 text leaves out the runtime frames")
				}
			}
			if got != tt.want {
				t.Errorf("note about debug=1's missing runtime frames: %v, want %v", got, tt.want)
			}
		})
	}
}
