package analyzer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/report"
)

// Focus narrows what Analyze reports. The zero value reports everything.
type Focus string

// Focuses.
const (
	// FocusAll reports every section and finding.
	FocusAll Focus = ""
	// FocusRecommend reports only the tuning advice (GC, GOMAXPROCS, pools):
	// what `gdiag recommend` prints. The goroutine sections are left out.
	FocusRecommend Focus = "recommend"
)

// gcFacts is the GC analysis of the inputs, computed once per input and
// passed forward: the gctune check reports on the last input with GC data,
// and the heap check prices its pool advice with the same results.
type gcFacts struct {
	inputs []*Input
	runs   map[*Input]*gcRun
}

// gcRun is gctune's analysis of one input with a metrics history or a
// gctrace log (res nil when there was nothing usable) and the problems met.
type gcRun struct {
	res   *gctune.Result
	warns []string
	noGC  bool // gctune.ErrNoData
}

func newGCFacts(inputs []*Input) *gcFacts {
	return &gcFacts{inputs: inputs, runs: map[*Input]*gcRun{}}
}

// of returns the analysis of in, running gctune on the first call only.
func (g *gcFacts) of(in *Input, obj gctune.Objective) *gcRun {
	if run, ok := g.runs[in]; ok {
		return run
	}
	run := &gcRun{}
	g.runs[in] = run
	gin := gctune.Input{Manifest: in.Manifest, History: in.Metrics}
	if len(in.GCTrace) > 0 {
		cs, err := gctune.ParseGCTrace(bytes.NewReader(in.GCTrace))
		if err != nil {
			run.warns = append(run.warns, fmt.Sprintf("%s: %v", in.Name, err))
		}
		gin.Cycles = cs
	}
	res, err := gctune.Analyze(gin, gctune.Options{Objective: obj})
	switch {
	case errors.Is(err, gctune.ErrNoData):
		run.noGC = true
	case err != nil:
		run.warns = append(run.warns, fmt.Sprintf("%s: %v", in.Name, err))
	default:
		run.res = res
	}
	return run
}

// check runs gctune on the last input that has GC data: a metrics history,
// a gctrace log, or both in one bundle (with its manifest for the settings,
// their sources and the cgroup limits). Earlier inputs with GC data are
// noted, not analysed: the GC settings are about the process now. The
// result is nil when no input has usable GC data.
func (g *gcFacts) check(opts Options) (*gcCheck, []string) {
	var warns []string
	var used *Input
	var res *gctune.Result
	var older []string
	for i := len(g.inputs) - 1; i >= 0; i-- {
		in := g.inputs[i]
		if in == nil || (in.Metrics == nil && len(in.GCTrace) == 0) {
			continue
		}
		if used != nil {
			older = append(older, in.Name)
			continue
		}
		run := g.of(in, opts.GC)
		warns = append(warns, run.warns...)
		if run.res == nil {
			continue
		}
		used, res = in, run.res
	}
	if res == nil {
		return nil, warns
	}
	for _, w := range res.Warnings {
		warns = append(warns, fmt.Sprintf("%s: %s", used.Name, w))
	}
	src := "GC data from " + used.Name + " (" + gcSources(res) + ")"
	if len(older) > 0 {
		src += "; earlier inputs with GC data not analysed: " + strings.Join(older, ", ")
	}
	return &gcCheck{Result: res, source: src}, warns
}

// gcCheck is the gctune result with a note on the input it came from.
type gcCheck struct {
	*gctune.Result
	source string
}

// Sections are gctune's, the first one noting where the GC data came from.
func (c *gcCheck) Sections() []report.Section {
	secs := c.Result.Sections()
	if len(secs) > 0 {
		secs[0].Notes = append([]string{c.source}, secs[0].Notes...)
	}
	return secs
}

func gcSources(r *gctune.Result) string {
	var parts []string
	if r.HasHistory {
		parts = append(parts, "metrics history")
	}
	if r.HasTrace {
		parts = append(parts, "gctrace")
	}
	return strings.Join(parts, " + ")
}

// linkLeakFindings points the GC findings that no setting can fix (a live
// heap that keeps growing) at the leak findings of the same report, so the
// reader goes from the symptom to the cause.
func linkLeakFindings(r *report.Report) {
	var leaks []string
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Check, "leaks/") && !seen[f.Check] {
			seen[f.Check] = true
			leaks = append(leaks, f.Check)
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Check != gctune.CheckLiveHeapGrowing {
			continue
		}
		if len(leaks) == 0 {
			f.Evidence = append(f.Evidence, "no leaks/* finding in this report: add a goroutine dump or two heap profiles taken minutes apart to find what retains memory")
			continue
		}
		f.Evidence = append(f.Evidence, "leak findings in this report that can explain the growth: "+strings.Join(leaks, ", "))
	}
}
