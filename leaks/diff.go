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
	// bucket needs to count as growing steadily (0 = 10 goroutines): a
	// smaller change is within what load fluctuations produce.
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
	// MinGrowth is the growth threshold used (DiffOptions.MinGrowth or its
	// default).
	MinGrowth int
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
	// Sustained: three or more samples, the count grows by at least
	// DiffOptions.MinGrowth overall and rises in every step at no less than a
	// quarter of the overall rate (per minute when Timed, per step
	// otherwise). A pool filling up to its size grows fast and then stops;
	// a leak keeps going.
	Sustained bool
	// GrowingNow: the last step rose at no less than a quarter of the
	// overall rate.
	GrowingNow bool
	// Left counts goroutine ids that were in this bucket in an earlier
	// sample and were missing from it in a later one: goroutines that moved
	// on (or finished), which leaked goroutines never do. It is 0 when the
	// input has no ids. Tracked is the number of distinct ids seen in this
	// bucket before the last sample.
	Left, Tracked int
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
	// seen maps a bucket signature to the goroutine ids it held: the
	// earliest sample each id was seen in that bucket, the latest, and in
	// how many samples.
	seen := map[string]map[int64]*idSeen{}
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
			ids := seen[b.Signature]
			if ids == nil {
				ids = map[int64]*idSeen{}
				seen[b.Signature] = ids
			}
			for _, id := range b.IDs {
				if v, ok := ids[id]; ok {
					v.last = si
					v.samples++
				} else {
					ids[id] = &idSeen{first: si, last: si, samples: 1}
				}
			}
		}
	}
	if d.Timed && n > 1 {
		d.Span = samples[n-1].Time.Sub(samples[0].Time)
	}
	minGrowth := orInt(opts.MinGrowth, 10)
	d.MinGrowth = minGrowth
	for i := range d.Buckets {
		bd := &d.Buckets[i]
		first, last := bd.Counts[0], bd.Counts[n-1]
		bd.New = first == 0 && last > 0 && n > 1
		bd.Vanished = last == 0
		bd.Growth = last - first
		if d.Span > 0 {
			bd.PerMinute = float64(bd.Growth) / d.Span.Minutes()
		}
		if n > 1 && bd.Growth > 0 {
			bd.GrowingNow = d.stepKeepsUp(samples, bd, n-1)
			bd.Sustained = n >= 3 && bd.Growth >= minGrowth
			for j := 1; j < n && bd.Sustained; j++ {
				bd.Sustained = d.stepKeepsUp(samples, bd, j)
			}
		}
		for _, v := range seen[bd.Signature] {
			if v.first < n-1 {
				bd.Tracked++
			}
			if v.last < n-1 || v.samples < v.last-v.first+1 {
				bd.Left++
			}
		}
		if last > 0 && n > 1 {
			bd.SurvivorsSince = n - 1
			youngest := 0
			ids := seen[bd.Signature]
			for _, id := range bd.Bucket.IDs {
				if v, ok := ids[id]; ok && v.first < n-1 {
					bd.Survivors++
					bd.SurvivorsSince = min(bd.SurvivorsSince, v.first)
					youngest = max(youngest, v.first)
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

// idSeen records where one goroutine id was seen in one bucket.
type idSeen struct {
	first, last, samples int
}

// stepKeepsUp reports whether the bucket rose from sample j-1 to j at no
// less than a quarter of its overall rate: per minute when the samples are
// timed, per step otherwise.
func (d *History) stepKeepsUp(samples []Sample, bd *BucketHistory, j int) bool {
	step := bd.Counts[j] - bd.Counts[j-1]
	if step <= 0 {
		return false
	}
	n := len(bd.Counts)
	if d.Timed && d.Span > 0 {
		dt := samples[j].Time.Sub(samples[j-1].Time)
		// step/dt >= Growth/Span/4
		return 4*float64(step)*d.Span.Seconds() >= float64(bd.Growth)*dt.Seconds()
	}
	return 4*step*(n-1) >= bd.Growth
}
