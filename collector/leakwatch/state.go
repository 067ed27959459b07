package leakwatch

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/report"
)

// Metrics keys the watch adds to each finding of its report, next to those
// of package leaks (docs/json.md).
const (
	// MetricFirstSeen is when the watch first saw the site, in Unix seconds.
	MetricFirstSeen = "first_seen_unix_seconds"
	// MetricLeakSince is when the site was first judged a likely or proven
	// leak without a break since, in Unix seconds (absent when it is not one).
	MetricLeakSince = "leak_since_unix_seconds"
)

// SectionLeakwatch is the ID of the watch's section (docs/json.md).
const SectionLeakwatch = "leakwatch"

// State is what the watch knows after a step. It is immutable once
// published.
type State struct {
	// Options are the watch's resolved options.
	Options Options
	// Time is when the last snapshot was taken (zero before the first).
	Time time.Time
	// Goroutines is the number of the service's goroutines judged; Own the
	// collector's, left out; Ignored those matched by Find.Ignore rules.
	Goroutines, Own, Ignored int
	// ByVerdict counts the judged goroutines per verdict (indexed by
	// leaks.Verdict); Proven counts those the goroutineleak profile proved.
	ByVerdict [leaks.Proven + 1]int
	Proven    int
	// Sites are the leak sites, most important first (by verdict, severity,
	// count). Every site is listed, benign and active ones too.
	Sites []Site
	// Snapshots is how many snapshots the history holds and Span the time
	// they cover.
	Snapshots int
	Span      time.Duration
	// LeakProfileAvailable says the runtime has the goroutineleak profile;
	// LeakProfileAt is when the one in use was taken (zero if none).
	LeakProfileAvailable bool
	LeakProfileAt        time.Time
	Stats                Stats
}

// Site is one leak site: goroutines blocked at one place, started in one
// function, with the same values of the chosen labels.
type Site struct {
	// Key identifies the site across snapshots.
	Key string
	// Finding is package leaks' verdict on it, call paths merged.
	Finding leaks.Finding
	// FirstSeen is when the watch first saw the site; LeakSince when it was
	// first judged a likely or proven leak, without a break since (zero if
	// it is not one now).
	FirstSeen, LeakSince time.Time
}

// GrowthPerMinute is the site's growth over the history, in goroutines per
// minute (0 without a timed history).
func (s *Site) GrowthPerMinute() float64 {
	if g := s.Finding.Growth; g != nil {
		return g.PerMinute
	}
	return 0
}

// Report turns the state into gdiag's report model, the same contract as
// `gdiag analyze --format json` (docs/json.md): one finding per site whose
// verdict is at least min (suspect by default in ServeHTTP), at most
// Options.MaxSites of them, each with first_seen_unix_seconds and, for
// leaks, leak_since_unix_seconds; a section "leakwatch" with the verdict
// counts and the watch's cost; skips and errors as warnings.
func (s *State) Report(min leaks.Verdict) *report.Report {
	r := &report.Report{Title: "gdiag live leak watch", Inputs: []report.Input{{
		Name: "goroutine profile", Kind: "live",
		Detail: fmt.Sprintf("%d goroutines of the service (%d of the collector left out) at %s; %d snapshots over %s",
			s.Goroutines, s.Own, s.Time.UTC().Format(time.RFC3339), s.Snapshots, s.Span.Round(time.Second)),
	}}}
	for i := range s.Sites {
		st := &s.Sites[i]
		if st.Finding.Verdict < min {
			continue
		}
		if len(r.Findings) == s.Options.MaxSites {
			r.Warnings = append(r.Warnings, fmt.Sprintf("leakwatch: more than %d sites at verdict %s or above; the rest are left out (Options.MaxSites)", s.Options.MaxSites, min))
			break
		}
		f := st.Finding.Report()
		f.GoroutineIDs = nil
		f.Metrics[MetricFirstSeen] = unix(st.FirstSeen)
		if !st.LeakSince.IsZero() {
			f.Metrics[MetricLeakSince] = unix(st.LeakSince)
		}
		r.Findings = append(r.Findings, f)
	}
	r.Sections = append(r.Sections, s.section())
	if s.Stats.LastSkip != "" {
		r.Warnings = append(r.Warnings, "leakwatch: "+s.Stats.LastSkip)
	}
	if s.Stats.LastError != "" {
		r.Warnings = append(r.Warnings, s.Stats.LastError)
	}
	return r
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func (s *State) section() report.Section {
	sec := report.Section{ID: SectionLeakwatch, Title: "Live leak watch"}
	t := report.Table{Title: "Verdicts", Columns: []string{"verdict", "goroutines"}}
	for v := leaks.Proven; ; v-- {
		t.Rows = append(t.Rows, []string{v.String(), strconv.Itoa(s.ByVerdict[v])})
		if v == leaks.Active {
			break
		}
	}
	sec.Tables = append(sec.Tables, t)
	switch {
	case !s.LeakProfileAvailable:
		sec.Notes = append(sec.Notes, "no goroutineleak profile in this runtime (Go 1.27, or 1.26 with GOEXPERIMENT=goroutineleakprofile): verdicts come from growth, pile-ups and operations that never complete")
	case s.LeakProfileAt.IsZero():
		sec.Notes = append(sec.Notes, "the goroutineleak profile has not been taken yet")
	default:
		sec.Notes = append(sec.Notes, fmt.Sprintf("goroutineleak profile of %s: %d goroutines proven leaked", s.LeakProfileAt.UTC().Format(time.RFC3339), s.Proven))
	}
	sec.Notes = append(sec.Notes, fmt.Sprintf("every %v a goroutine profile, with wait times from the full text dump when its pause fits %v (%d taken, %d skipped); the goroutineleak profile every %v; %d snapshots kept over %v",
		s.Options.Interval, s.Options.WaitBudget, s.Stats.TextDumps, s.Stats.SkippedTextDumps, s.Options.LeakInterval, s.Options.Snapshots, s.Options.Window))
	st := s.Stats
	sec.Notes = append(sec.Notes, fmt.Sprintf("cost: %d snapshots (%d skipped), %d goroutineleak profiles (%d skipped), %.3f s in total, last step %v; budget %.1f%% of a core",
		st.Snapshots, st.SkippedSnapshots, st.LeakProfiles, st.SkippedLeakProfiles, st.Seconds, st.LastStep.Round(time.Microsecond), 100*s.Options.Budget))
	return sec
}

// Summary is one line for the collector's index page.
func (s *State) Summary() string {
	if s.Time.IsZero() {
		return "no snapshot yet"
	}
	sites := map[leaks.Verdict]int{}
	for i := range s.Sites {
		sites[s.Sites[i].Finding.Verdict]++
	}
	var parts []string
	for _, v := range []leaks.Verdict{leaks.Proven, leaks.Likely, leaks.Suspect} {
		if sites[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s site(s), %d goroutines", sites[v], v, s.ByVerdict[v]))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no leak or suspect")
	}
	return fmt.Sprintf("%s; %d goroutines judged at %s, %d snapshots over %s", strings.Join(parts, "; "), s.Goroutines,
		s.Time.UTC().Format(time.RFC3339), s.Snapshots, s.Span.Round(time.Second))
}

// Summary is the current State's one-line summary (collector.LeakWatcher).
func (w *Watch) Summary() string { return w.State().Summary() }

// ServeHTTP answers GET with the current verdicts as JSON (the contract of
// docs/json.md, see State.Report). Query parameter verdict=NAME sets the
// weakest verdict listed (default suspect; verdict=active lists every
// site). It takes no snapshot: the cost of a request is encoding the last
// State.
func (w *Watch) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header().Set("Allow", "GET, HEAD")
		http.Error(rw, "leakwatch: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	min := leaks.Suspect
	if v := r.URL.Query().Get("verdict"); v != "" {
		var err error
		if min, err = leaks.ParseVerdict(v); err != nil {
			http.Error(rw, "leakwatch: verdict: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	rw.Header().Set("Content-Type", "application/json")
	_ = report.WriteJSON(rw, w.State().Report(min))
}
