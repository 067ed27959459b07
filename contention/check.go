package contention

import (
	"errors"
	"fmt"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/report"
)

// The check contract (see report.Result).
var (
	_ report.Result    = (*Result)(nil)
	_ report.CheckList = Checks
)

// Input is what Analyze reads: the mutex and block profiles of the inputs.
type Input struct {
	Profiles []Profile
}

// Profile is one mutex or block profile with what the caller knows about it.
type Profile struct {
	// Name names the input the profile came from, for notes and errors.
	Name string
	Kind Kind
	// Profile is the profile; nil when NoData says why there is none.
	Profile *profile.Profile
	// Seconds is the window its delays accumulated over (0 = unknown: no
	// rates, findings at info severity only) and WindowFrom where that
	// window came from ("the capture window of a delta profile"), for the
	// section's notes.
	Seconds    float64
	WindowFrom string
	// NoData, when set, says why the input holds no such profile to
	// analyse ("sampling off ..."); the section says so.
	NoData string
}

// Result is the contention check's analysis: one Report per profile with
// delay (or with NoData set), computed once by Analyze.
type Result struct {
	Reports []*Report
	notes   []string
	opts    Options
}

// Analyze ranks the contended sites of every profile of in (AnalyzeProfile).
// A profile that cannot be analysed (no delay sample type) is left out and
// its error, naming the input, is joined into the returned error; the
// Result holds the others. Profiles without any delay are left out. Pure.
func Analyze(in Input, opts Options) (*Result, error) {
	res := &Result{opts: opts}
	var errs []error
	for _, p := range in.Profiles {
		if p.NoData != "" {
			res.Reports = append(res.Reports, &Report{Kind: p.Kind, NoData: p.NoData})
			continue
		}
		if p.Profile == nil {
			continue
		}
		r, err := AnalyzeProfile(p.Profile, p.Kind, p.Seconds)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
			continue
		}
		if r.Delay <= 0 {
			continue
		}
		res.Reports = append(res.Reports, r)
		if p.WindowFrom != "" {
			res.notes = append(res.notes, fmt.Sprintf("%s: %s profile window %.1f s, %s", p.Name, p.Kind, p.Seconds, p.WindowFrom))
		}
	}
	return res, errors.Join(errs...)
}

// Findings reports the contended sites (see Options for the thresholds):
// CheckMutexHot for mutex profile sites and CheckLockWait for block profile
// sites waiting in a sync lock, largest delay first.
func (r *Result) Findings() []report.Finding {
	if r == nil {
		return nil
	}
	return findings(r.Reports, r.opts)
}

// Sections returns the "contention" section: the top MaxSectionSites sites
// of each profile, a note per profile without data and where each window
// came from; nil when there is nothing to show.
func (r *Result) Sections() []report.Section {
	if r == nil {
		return nil
	}
	secs := sections(r.Reports)
	if len(secs) > 0 {
		secs[0].Notes = append(secs[0].Notes, r.notes...)
	}
	return secs
}
