package contention

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/report"
)

// MaxSectionSites is the number of sites Result.Sections lists per profile.
const MaxSectionSites = 10

// SectionContention is the ID of the section Sections returns.
const SectionContention = "contention"

// sections renders rs as one "contention" section with a table of the top
// MaxSectionSites sites of each profile by delay, and a "no data" note for
// each report with NoData set. Pure; nil when rs holds neither.
func sections(rs []*Report) []report.Section {
	sec := report.Section{ID: SectionContention, Title: "Lock and blocking contention"}
	for _, r := range rs {
		if r != nil && r.NoData != "" {
			sec.Notes = append(sec.Notes, fmt.Sprintf("%s profile: no data: %s", r.Kind, r.NoData))
			continue
		}
		if r == nil || r.Delay <= 0 {
			continue
		}
		note := fmt.Sprintf("%s profile: %s total delay in %d contentions", r.Kind, roundDuration(r.Delay), r.Contentions)
		if r.Seconds > 0 {
			note += fmt.Sprintf(", %.3f s per second over %.1f s", r.DelayPerSec(), r.Seconds)
		} else {
			note += ", window unknown (no rates)"
		}
		sec.Notes = append(sec.Notes, note)
		t := report.Table{
			Title:   fmt.Sprintf("Top %s sites by delay", r.Kind),
			Columns: []string{"#", "Site", "Location", "Operation", "Delay", "Delay/s", "Contentions", "Share"},
		}
		for i := range r.Sites[:min(len(r.Sites), MaxSectionSites)] {
			s := &r.Sites[i]
			rate := "-"
			if s.DelayPerSec > 0 {
				rate = fmt.Sprintf("%.3f s", s.DelayPerSec)
			}
			op := "-"
			if s.Op != "" {
				op = symbol.ShortFunc(s.Op)
			}
			t.Rows = append(t.Rows, []string{strconv.Itoa(i + 1), symbol.ShortFunc(s.Frame.Func), symbol.ShortFile(s.Frame.Location()), op,
				roundDuration(s.Delay), rate, strconv.FormatInt(s.Contentions, 10), fmt.Sprintf("%.1f%%", 100*s.Share)})
		}
		sec.Tables = append(sec.Tables, t)
	}
	if len(sec.Tables) == 0 && len(sec.Notes) == 0 {
		return nil
	}
	return []report.Section{sec}
}

// roundDuration keeps three significant digits or so.
func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Microsecond).String()
	}
	return d.String()
}
