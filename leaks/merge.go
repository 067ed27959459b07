package leaks

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/stack"
)

// siteKey is what makes findings the same leak site for Merge.
type siteKey struct {
	check      string
	verdict    Verdict
	ignored    bool
	blockFunc  string
	blockFile  string
	blockLine  int
	createFunc string
	createFile string
	createLine int
}

func keyOf(f *Finding) siteKey {
	return siteKey{
		check: f.Check, verdict: f.Verdict, ignored: f.Ignored,
		blockFunc: f.Blocking.Func, blockFile: f.Blocking.File, blockLine: f.Blocking.Line,
		createFunc: f.CreatedBy.Func, createFile: f.CreatedBy.File, createLine: f.CreatedBy.Line,
	}
}

// Merge folds findings that are the same leak site — same check, verdict,
// blocking frame (function, file and line) and creation site (go
// statement) — into one finding per site. Buckets differ by every frame of
// their stacks, so one leaking go statement reached through many call
// paths (recursion, middleware, different handlers) is many buckets; people
// fix sites, not call paths.
//
// A merged finding sums Count, Proven and StackBytesMin, joins IDs, takes
// the widest wait range, the highest severity, adds up LabelSets, and the Stack, Signature,
// Labels, Growth, Rule and Evidence of its largest bucket, to which it adds
// one EvidenceMerged line naming how many buckets it folds. Findings with
// different verdicts are never merged: a site whose buckets were judged
// differently keeps one finding per verdict, so no goroutine is claimed with
// more certainty than its own evidence gives. The result is ordered as Find
// orders its findings. Merge does not modify fs; it is pure and safe for
// concurrent use.
func Merge(fs []Finding) []Finding {
	idx := make(map[siteKey]int, len(fs))
	out := make([]Finding, 0, len(fs))
	merged := make([]int, 0, len(fs)) // buckets folded into out[i]
	largest := make([]int, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		k := keyOf(f)
		j, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			c := *f
			c.IDs = slices.Clone(f.IDs)
			c.Evidence = slices.Clone(f.Evidence)
			c.LabelSets = slices.Clone(f.LabelSets)
			out = append(out, c)
			merged = append(merged, 1)
			largest = append(largest, f.Count)
			continue
		}
		m := &out[j]
		merged[j]++
		if f.Count > largest[j] {
			// The largest bucket speaks for the site.
			largest[j] = f.Count
			m.Stack, m.Signature, m.Labels, m.Growth, m.Rule = f.Stack, f.Signature, f.Labels, f.Growth, f.Rule
			m.Evidence = slices.Clone(f.Evidence)
			m.State = f.State
		}
		m.Count += f.Count
		m.LabelSets = mergeLabelSets(m.LabelSets, m.Count-f.Count, f.LabelSets, f.Count)
		m.Proven += f.Proven
		m.StackBytesMin += f.StackBytesMin
		m.IDs = append(m.IDs, f.IDs...)
		m.MinWait = min(m.MinWait, f.MinWait)
		m.MaxWait = max(m.MaxWait, f.MaxWait)
		m.Severity = max(m.Severity, f.Severity)
	}
	for i := range out {
		if merged[i] > 1 {
			out[i].Evidence = append(out[i].Evidence, Evidence{Kind: EvidenceMerged, Text: fmt.Sprintf(
				"%d buckets (call paths) block at %s and were started at %s; the evidence above is of the largest, %s goroutines",
				merged[i], frameText(out[i].Blocking), creatorText(out[i].CreatedBy), units.Thousands(largest[i]))})
			slices.Sort(out[i].IDs)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(b.Verdict, a.Verdict); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		return cmp.Compare(b.Count, a.Count)
	})
	return out
}

// mergeLabelSets adds the label sets b of nb goroutines to the sets a of na
// goroutines, largest first; a side without sets counts as unlabelled.
func mergeLabelSets(a []LabelSet, na int, b []LabelSet, nb int) []LabelSet {
	switch {
	case len(a) == 0 && len(b) == 0:
		return nil
	case len(b) == 0:
		b = []LabelSet{{Count: nb}}
	case len(a) == 0:
		a = []LabelSet{{Count: na}}
	}
	idx := make(map[string]int, len(a))
	for i, s := range a {
		idx[labelKey(s.Labels)] = i
	}
	for _, s := range b {
		if i, ok := idx[labelKey(s.Labels)]; ok {
			a[i].Count += s.Count
			continue
		}
		idx[labelKey(s.Labels)] = len(a)
		a = append(a, s)
	}
	sortLabelSets(a)
	return a
}

func creatorText(f stack.Frame) string {
	if f.Func == "" {
		return "an unknown go statement"
	}
	return frameText(f)
}
