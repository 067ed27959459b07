package leaktest

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gdiag/gdiag/stack"
)

// LabelKey is the pprof label Check sets on a test's goroutine; its value
// is t.Name(). Goroutines inherit it from the goroutine that starts them.
const LabelKey = "leaktest"

// Find looks for goroutines that are neither the caller nor expected by the
// options, waiting within the retry budget for them to exit. It returns nil
// when none are left, an *Error describing them otherwise, or an error
// when the options are invalid (Cleanup is for VerifyNone and
// VerifyTestMain only).
//
// Cost: one capture of all stacks when nothing is left. Otherwise it polls
// runtime.NumGoroutine between retries and captures again only when the
// number changed, and a last time at the end of the budget, so a leak
// costs two captures however many retries it waits through.
func Find(opts ...Option) error {
	c := newConfig(opts)
	if c.cleanup != nil {
		return errors.New("leaktest: Cleanup can only be passed to VerifyNone or VerifyTestMain")
	}
	return find(c, currentID())
}

func find(c *config, self int64) error {
	start := time.Now()
	var profiles, captures int
	// check judges the process now. It reads the goroutine profile first
	// and is done when nothing unexpected is in it. Otherwise it captures
	// the text dump, which has what the profile lacks (ids, states,
	// creation sites), unless the rules look at frames only and this is not
	// the final check: then the profile's answer stands.
	var left []stack.Goroutine
	var excess map[string]int
	check := func(final bool) (clean bool, err error) {
		profiles++
		prof, err := captureProfile(c.needLabels())
		if err != nil {
			return false, err
		}
		if c.count(prof) == 0 {
			return true, nil
		}
		if !final && c.framesOnly() {
			return false, nil
		}
		captures++
		snap, err := captureText()
		if err != nil && len(snap.Goroutines) == 0 {
			return false, err
		}
		if c.needLabels() {
			attachLabels(snap.Goroutines, labelSets(prof))
		}
		left, excess = c.evaluate(snap.Goroutines, self)
		return len(left) == 0, nil
	}
	clean, err := check(false)
	if clean || err != nil {
		return err
	}
	last := runtime.NumGoroutine()
	var waited time.Duration
	retries := 0
	for i := 0; i < c.maxRetries; i++ {
		d := time.Duration(int64(time.Microsecond) << uint(min(i, 40)))
		d = min(d, c.maxSleep)
		if c.maxWait > 0 && waited+d > c.maxWait {
			d = c.maxWait - waited
			if d <= 0 {
				break
			}
		}
		time.Sleep(d)
		waited += d
		retries++
		if n := runtime.NumGoroutine(); n == last {
			continue
		}
		if clean, err = check(false); clean || err != nil {
			return err
		}
		last = runtime.NumGoroutine()
	}
	if clean, err = check(true); clean || err != nil {
		return err
	}
	if !c.needLabels() {
		// Name the tests behind the leak where they used Check.
		attachLabels(left, captureLabels())
	}
	e := newError(left, excess)
	e.Retries, e.Profiles, e.Captures, e.Elapsed = retries, profiles, captures, time.Since(start)
	return e
}

// framesOnly reports whether every rule can be decided on the goroutine
// profile, which has frames, counts and labels but no ids, states or
// creation sites.
func (c *config) framesOnly() bool {
	if c.growth != nil {
		return false
	}
	for _, f := range c.filters {
		if f.kind == filterCreatedBy || f.kind == filterIDs {
			return false
		}
	}
	return true
}

// count returns how many goroutines of a goroutine profile no frame or
// label rule expects. Rules on ids, states and creation sites are left to
// the text dump: count is never below what evaluate finds.
func (c *config) count(prof []stack.Goroutine) int {
	var defaults []string
	if !c.noDefaults {
		for _, d := range DefaultIgnores() {
			defaults = append(defaults, d.Func)
		}
	}
	n := 0
outer:
	for i := range prof {
		g := &prof[i]
		if builtinTop(topFunc(g.Stack)) || builtinFrames(g.Stack) {
			continue
		}
		for _, d := range defaults {
			if hasFunc(g.Stack, d) {
				continue outer
			}
		}
		for _, f := range c.filters {
			switch f.kind {
			case filterTop, filterAny, filterLabel:
				if f.match(g) {
					continue outer
				}
			}
		}
		if c.test != "" {
			if v, _ := label(g.Labels, LabelKey); v != c.test {
				continue
			}
		}
		n += g.Count
	}
	return n
}

func (c *config) needLabels() bool {
	if c.test != "" {
		return true
	}
	for _, f := range c.filters {
		if f.kind == filterLabel {
			return true
		}
	}
	return false
}

// evaluate returns the goroutines that are not expected and, with
// OnlyGrowth, how many goroutines each of their buckets holds over the
// baseline (by signature).
func (c *config) evaluate(gs []stack.Goroutine, self int64) ([]stack.Goroutine, map[string]int) {
	var defaults []string
	if !c.noDefaults {
		for _, d := range DefaultIgnores() {
			defaults = append(defaults, d.Func)
		}
	}
	// The default table matches frames only, so it gives the same answer
	// for every goroutine sharing a *Stack (stacks are interned) and runs
	// once per distinct stack.
	byStack := make(map[*stack.Stack]bool)
	frameIgnored := func(s *stack.Stack) bool {
		if v, ok := byStack[s]; ok {
			return v
		}
		v := false
		for _, d := range defaults {
			if hasFunc(s, d) {
				v = true
				break
			}
		}
		byStack[s] = v
		return v
	}
	var left []stack.Goroutine
outer:
	for i := range gs {
		g := &gs[i]
		if g.ID == self || builtin(g) || frameIgnored(g.Stack) {
			continue
		}
		for _, f := range c.filters {
			if f.match(g) {
				continue outer
			}
		}
		if c.test != "" {
			if v, _ := label(g.Labels, LabelKey); v != c.test {
				continue
			}
		}
		left = append(left, *g)
	}
	if c.growth == nil || len(left) == 0 {
		return left, nil
	}
	return c.growth.excess(left)
}

// baseline counts goroutines per growth key at one moment.
type baseline struct {
	counts map[string]int
}

func newBaseline() *baseline {
	b := &baseline{counts: make(map[string]int)}
	if snap, err := captureText(); len(snap.Goroutines) > 0 || err == nil {
		for i := range snap.Goroutines {
			b.counts[growthKey(&snap.Goroutines[i])] += snap.Goroutines[i].Count
		}
	}
	return b
}

// growthGrouping buckets goroutines for reports by function names, state
// and creation site, so goroutines blocked at other lines of the same code
// count together.
func growthGrouping() stack.GroupOptions {
	return stack.GroupOptions{Similarity: stack.SimilarityFunc}
}

// growthKey is what OnlyGrowth counts by: the go statement that created
// the goroutine (function, file and line), whatever the goroutine is doing
// now, so one that has just started and its parked siblings are the same
// kind. Goroutines without a creation site are keyed by their functions.
func growthKey(g *stack.Goroutine) string {
	var b strings.Builder
	if c := g.CreatedBy; c.Func != "" {
		b.WriteString("created by ")
		b.WriteString(c.Func)
		b.WriteByte(' ')
		b.WriteString(c.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(c.Line))
		return b.String()
	}
	if g.Stack != nil {
		for _, f := range g.Stack.Frames {
			if f.Package() != "runtime" {
				b.WriteString(f.Func)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// excess keeps the goroutines of kinds that grew and returns by how much
// each grew, keyed by growthKey.
func (b *baseline) excess(gs []stack.Goroutine) ([]stack.Goroutine, map[string]int) {
	now := make(map[string]int)
	keys := make([]string, len(gs))
	for i := range gs {
		keys[i] = growthKey(&gs[i])
		now[keys[i]] += gs[i].Count
	}
	ex := make(map[string]int)
	for k, n := range now {
		if d := n - b.counts[k]; d > 0 {
			ex[k] = d
		}
	}
	var out []stack.Goroutine
	for i := range gs {
		if ex[keys[i]] > 0 {
			out = append(out, gs[i])
		}
	}
	return out, ex
}
