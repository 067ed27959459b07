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

// gcChecks runs gctune on the last input that has GC data: a metrics
// history, a gctrace log, or both in one bundle (with its manifest for the
// settings, their sources and the cgroup limits). Earlier inputs with GC
// data are noted, not analysed: the GC settings are about the process now.
func gcChecks(inputs []*Input, opts Options) (secs []report.Section, fs []report.Finding, warns []string) {
	var used *Input
	var res *gctune.Result
	var older []string
	for i := len(inputs) - 1; i >= 0; i-- {
		in := inputs[i]
		if in == nil || (in.Metrics == nil && len(in.GCTrace) == 0) {
			continue
		}
		if used != nil {
			older = append(older, in.Name)
			continue
		}
		gin := gctune.Input{Manifest: in.Manifest, History: in.Metrics}
		if len(in.GCTrace) > 0 {
			cs, err := gctune.ParseGCTrace(bytes.NewReader(in.GCTrace))
			if err != nil {
				warns = append(warns, fmt.Sprintf("%s: %v", in.Name, err))
			}
			gin.Cycles = cs
		}
		r, err := gctune.Analyze(gin, gctune.Options{})
		if errors.Is(err, gctune.ErrNoData) {
			continue
		}
		if err != nil {
			warns = append(warns, fmt.Sprintf("%s: %v", in.Name, err))
			continue
		}
		used, res = in, r
	}
	if res == nil {
		return nil, nil, warns
	}
	for _, w := range res.Warnings {
		warns = append(warns, fmt.Sprintf("%s: %s", used.Name, w))
	}
	recs := gctune.Recommend(res, opts.GC)
	secs = gctune.Sections(res, recs)
	if len(secs) > 0 {
		src := "GC data from " + used.Name + " (" + gcSources(res) + ")"
		if len(older) > 0 {
			src += "; earlier inputs with GC data not analysed: " + strings.Join(older, ", ")
		}
		secs[0].Notes = append([]string{src}, secs[0].Notes...)
	}
	return secs, gctune.Findings(recs), warns
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
