package leaks

import (
	"cmp"
	"slices"
	"time"

	"github.com/gdiag/gdiag/stack"
)

// Sample is one goroutine snapshot of a series.
type Sample struct {
	// Name identifies the input ("dump-0600.txt").
	Name string
	// Time is when the snapshot was taken (a bundle's CapturedAt); zero
	// when the input does not say.
	Time     time.Time
	Snapshot *stack.Snapshot
}

// DiffOptions tune Diff. The zero value is the documented default.
type DiffOptions struct {
	// Similarity and TopFrames decide which goroutines share a bucket; use
	// the same values for Find.
	Similarity stack.Similarity
	TopFrames  int
	// MinGrowth is the net growth from the first to the last snapshot a
	// bucket needs to count as growing steadily (0 = 3 goroutines).
	MinGrowth int
}

// History is what Diff found: the buckets of snapshots of one process
// taken in time order, followed through the series.
type History struct {
	// Samples describe the inputs in the order given.
	Samples []SampleInfo
	// Timed is true when every sample has a time and the times increase;
	// otherwise rates are not computed and the order of the inputs is taken
	// as the time order.
	Timed bool
	// Span is the time from the first to the last sample (0 when not Timed).
	Span time.Duration
	// Buckets hold every bucket seen in any sample: growing ones first
	// (by growth, largest first), then by last count and signature.
	Buckets []BucketHistory
}

// SampleInfo describes one sample of a History.
type SampleInfo struct {
	Name  string
	Time  time.Time
	Total int
}

// BucketHistory is one bucket's history over the samples of a History.
type BucketHistory struct {
	Signature string
	// Bucket is the bucket in the last sample that has it.
	Bucket stack.Bucket
	// Counts has one count per sample, 0 where the bucket is absent.
	Counts []int
	// New: absent from the first sample, present in the last. Vanished:
	// present in an earlier sample, absent from the last.
	New, Vanished bool
	// Growth is the last count minus the first.
	Growth int
	// PerMinute is Growth per minute between the first and the last sample
	// (0 when the samples have no times).
	PerMinute float64
	// Sustained: three or more samples, the count never falls, and it grows
	// by at least DiffOptions.MinGrowth overall.
	Sustained bool
	// Survivors counts goroutine ids of the last sample's bucket that were
	// already in this bucket in an earlier sample: they are at least as old
	// as the time between. SurvivorsSince is the index of the earliest
	// sample one of them was seen in. MinAge is how long all survivors have
	// existed at least, MaxAge the same for the oldest one (both 0 when not
	// Timed). A survivor may have left the bucket and come back in between
	// (a pool worker that took a job); the runtime's printed wait tells.
	Survivors      int
	SurvivorsSince int
	MinAge, MaxAge time.Duration
}

// Diff groups each sample into buckets and follows every bucket (by
// signature) through the series: counts then and now, growth per minute,
// new and vanished buckets, and goroutine ids that survive between samples.
// Samples with a nil snapshot count as empty. Diff is pure and safe for
// concurrent use. Cost: linear in the total number of goroutines.
func Diff(samples []Sample, opts DiffOptions) *History {
	d := &History{Timed: len(samples) > 0}
	n := len(samples)
	gopts := stack.GroupOptions{Similarity: opts.Similarity, TopFrames: opts.TopFrames}
	index := map[string]int{}
	// firstSeen maps a bucket signature to the goroutine ids it held and
	// the earliest sample each id was seen in that bucket.
	firstSeen := map[string]map[int64]int{}
	for si, s := range samples {
		info := SampleInfo{Name: s.Name, Time: s.Time}
		if s.Snapshot != nil {
			info.Total = s.Snapshot.Total
		}
		if s.Time.IsZero() || (si > 0 && !s.Time.After(samples[si-1].Time)) {
			d.Timed = false
		}
		d.Samples = append(d.Samples, info)
		if s.Snapshot == nil {
			continue
		}
		for _, b := range stack.Group(s.Snapshot.Goroutines, gopts) {
			bi, ok := index[b.Signature]
			if !ok {
				bi = len(d.Buckets)
				index[b.Signature] = bi
				d.Buckets = append(d.Buckets, BucketHistory{Signature: b.Signature, Counts: make([]int, n)})
			}
			bd := &d.Buckets[bi]
			bd.Counts[si] = b.Count
			bd.Bucket = b
			seen := firstSeen[b.Signature]
			if seen == nil {
				seen = map[int64]int{}
				firstSeen[b.Signature] = seen
			}
			for _, id := range b.IDs {
				if _, ok := seen[id]; !ok {
					seen[id] = si
				}
			}
		}
	}
	if d.Timed && n > 1 {
		d.Span = samples[n-1].Time.Sub(samples[0].Time)
	}
	minGrowth := orInt(opts.MinGrowth, 3)
	for i := range d.Buckets {
		bd := &d.Buckets[i]
		first, last := bd.Counts[0], bd.Counts[n-1]
		bd.New = first == 0 && last > 0 && n > 1
		bd.Vanished = last == 0
		bd.Growth = last - first
		if d.Span > 0 {
			bd.PerMinute = float64(bd.Growth) / d.Span.Minutes()
		}
		bd.Sustained = n >= 3 && bd.Growth >= minGrowth
		for j := 1; j < n && bd.Sustained; j++ {
			if bd.Counts[j] < bd.Counts[j-1] {
				bd.Sustained = false
			}
		}
		if last > 0 && n > 1 {
			bd.SurvivorsSince = n - 1
			youngest := 0
			seen := firstSeen[bd.Signature]
			for _, id := range bd.Bucket.IDs {
				if s, ok := seen[id]; ok && s < n-1 {
					bd.Survivors++
					bd.SurvivorsSince = min(bd.SurvivorsSince, s)
					youngest = max(youngest, s)
				}
			}
			if bd.Survivors > 0 && d.Timed {
				bd.MinAge = samples[n-1].Time.Sub(samples[youngest].Time)
				bd.MaxAge = samples[n-1].Time.Sub(samples[bd.SurvivorsSince].Time)
			}
		}
	}
	slices.SortStableFunc(d.Buckets, func(a, b BucketHistory) int {
		if c := cmp.Compare(b.Growth, a.Growth); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Counts[n-1], a.Counts[n-1]); c != 0 {
			return c
		}
		return cmp.Compare(a.Signature, b.Signature)
	})
	return d
}
