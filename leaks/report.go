package leaks

import (
	"fmt"

	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// Metrics keys of leak findings (units in the name). They are part of the
// JSON contract (docs/json.md).
const (
	MetricWaitMinutesMin  = "wait_minutes_min"
	MetricWaitMinutesMax  = "wait_minutes_max"
	MetricGrowthPerMinute = "growth_per_minute"
	MetricCountFirst      = "count_first"
	MetricSnapshots       = "snapshots"
	MetricProvenCount     = "proven_count"
	MetricStackBytesMin   = "stack_bytes_min"
	MetricAgeMinutesMin   = "age_minutes_min"
	MetricLabelSets       = "label_sets"
)

// MaxReportLabelSets is how many label sets a reported finding lists (the
// largest); MetricLabelSets counts them all when there are more.
const MaxReportLabelSets = 10

// Report turns the finding into the shared output model: check ID,
// severity, verdict, a title naming the count, operation and function,
// evidence, the suggestion, the blocking location, the creation site, the
// goroutine ids and the numbers behind it (see the Metric* keys).
func (f *Finding) Report() report.Finding {
	rf := report.Finding{
		Check: f.Check, Severity: f.Severity, Verdict: f.Verdict.String(),
		Title:        title(f),
		Summary:      summary(f),
		Suggestion:   f.Suggestion,
		Function:     f.Blocking.Func,
		Count:        f.Count,
		GoroutineIDs: f.IDs,
		Metrics:      map[string]float64{MetricStackBytesMin: float64(f.StackBytesMin)},
	}
	if f.Blocking.File != "" {
		rf.Location = fmt.Sprintf("%s:%d", f.Blocking.File, f.Blocking.Line)
	}
	if f.CreatedBy.Func != "" {
		rf.CreatedBy = frameText(f.CreatedBy)
	}
	for _, e := range f.Evidence {
		rf.Evidence = append(rf.Evidence, e.Text)
	}
	for i, ls := range f.LabelSets {
		if i == MaxReportLabelSets {
			rf.Metrics[MetricLabelSets] = float64(len(f.LabelSets))
			break
		}
		m := make(map[string]string, len(ls.Labels))
		for _, l := range ls.Labels {
			m[l.Key] = l.Value
		}
		rf.Labels = append(rf.Labels, report.LabelCount{Labels: m, Count: ls.Count})
	}
	if f.MaxWait > 0 {
		rf.Metrics[MetricWaitMinutesMin] = f.MinWait.Minutes()
		rf.Metrics[MetricWaitMinutesMax] = f.MaxWait.Minutes()
	}
	if f.Proven > 0 {
		rf.Metrics[MetricProvenCount] = float64(f.Proven)
	}
	if g := f.Growth; g != nil && len(g.Counts) > 1 {
		rf.Metrics[MetricCountFirst] = float64(g.Counts[0])
		rf.Metrics[MetricSnapshots] = float64(len(g.Counts))
		if g.PerMinute != 0 {
			rf.Metrics[MetricGrowthPerMinute] = g.PerMinute
		}
		if g.MinAge > 0 {
			rf.Metrics[MetricAgeMinutesMin] = g.MinAge.Minutes()
		}
	}
	return rf
}

func title(f *Finding) string {
	n := units.Thousands(f.Count) + " goroutines"
	if f.Count == 1 {
		n = "1 goroutine"
	}
	where := symbol.ShortFunc(f.Blocking.Func)
	return fmt.Sprintf("%s %s in %s", n, opPhrase(f.Check, f.Op), where)
}

func opPhrase(check string, op stack.Op) string {
	if check == CheckHTTPBodyNotClosed {
		return "holding HTTP connections for unclosed response bodies"
	}
	switch op {
	case stack.OpChanSend:
		return "blocked sending on a channel"
	case stack.OpChanReceive:
		return "blocked receiving from a channel"
	case stack.OpChanReceiveNil:
		return "blocked receiving from a nil channel"
	case stack.OpChanSendNil:
		return "blocked sending on a nil channel"
	case stack.OpSelect:
		return "blocked in select"
	case stack.OpSelectNoCases:
		return "blocked in select {}"
	case stack.OpMutex:
		return "blocked in sync.Mutex.Lock"
	case stack.OpRWMutexRLock:
		return "blocked in sync.RWMutex.RLock"
	case stack.OpRWMutexLock:
		return "blocked in sync.RWMutex.Lock"
	case stack.OpWaitGroup:
		return "blocked in sync.WaitGroup.Wait"
	case stack.OpCond:
		return "blocked in sync.Cond.Wait"
	case stack.OpSemaphore:
		return "blocked acquiring a semaphore"
	case stack.OpNetIO:
		return "waiting in network IO"
	case stack.OpFileIO:
		return "waiting in file IO"
	case stack.OpSleep:
		return "sleeping"
	case stack.OpTimer:
		return "waiting on a timer"
	case stack.OpRunning:
		return "running"
	case stack.OpSyscall:
		return "in system calls"
	}
	return "in " + op.String()
}

func summary(f *Finding) string {
	switch f.Verdict {
	case Proven:
		return "These goroutines can never finish: " + proofSummary(f)
	case Likely:
		return "These goroutines are very likely leaked: they block where a leak blocks, and the evidence below says they are not coming back."
	case Suspect:
		return "These goroutines block in a pattern that often leaks; the evidence is not conclusive. Take another snapshot later and compare (gdiag diff)."
	case Benign:
		if f.Rule != "" {
			return "Blocked in a known idle pattern (" + f.Rule + ")."
		}
		return "Blocked, with no sign of a leak."
	}
	return "Making progress."
}

func proofSummary(f *Finding) string {
	for _, e := range f.Evidence {
		switch e.Kind {
		case EvidenceProfile, EvidenceLeakedFlag:
			return "the runtime's leak detection found nothing reachable that could wake them."
		case EvidenceForever:
			return "the operation they wait in cannot complete."
		case EvidenceDeadlock:
			return "the runtime found every goroutine asleep and stopped the program."
		}
	}
	return "the runtime proved it."
}
