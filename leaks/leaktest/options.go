package leaktest

import (
	"time"

	"go.uber.org/goleak"

	"github.com/gdiag/gdiag/stack"
)

// Option changes what Find, VerifyNone, VerifyTestMain and Check accept as
// expected goroutines and how long they wait. The interface is closed: only
// this package implements it.
type Option interface {
	apply(*config)
}

// Retry defaults, the same as goleak's: up to 20 retries, sleeping 1µs, 2µs,
// 4µs, … but at most 100ms between them (about 0.45s in all).
const (
	defaultRetries  = 20
	defaultMaxSleep = 100 * time.Millisecond
)

type filterKind uint8

const (
	filterTop filterKind = iota + 1
	filterAny
	filterCreatedBy
	filterIDs
	filterLabel
)

// filter is one ignore rule.
type filter struct {
	kind  filterKind
	name  string // function name, or label key for filterLabel
	value string // label value for filterLabel
	ids   map[int64]bool
}

func (f filter) match(g *stack.Goroutine) bool {
	switch f.kind {
	case filterTop:
		return topFunc(g.Stack) == f.name || firstFunc(g.Stack) == f.name
	case filterAny:
		return hasFunc(g.Stack, f.name)
	case filterCreatedBy:
		return g.CreatedBy.Func == f.name
	case filterIDs:
		return f.ids[g.ID]
	case filterLabel:
		for _, l := range g.Labels {
			if l.Key == f.name && l.Value == f.value {
				return true
			}
		}
	}
	return false
}

type config struct {
	filters    []filter
	noDefaults bool
	maxRetries int
	maxSleep   time.Duration
	maxWait    time.Duration // 0: bounded by maxRetries only
	cleanup    func(int)
	growth     *baseline
	test       string // Check: only goroutines labelled with this test
}

func newConfig(opts []Option) *config {
	c := &config{maxRetries: defaultRetries, maxSleep: defaultMaxSleep}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// IgnoreTopFunction ignores goroutines whose innermost function is f, fully
// qualified ("example.com/pkg.(*Server).loop"). Runtime frames printed under
// GOTRACEBACK=system are skipped when finding the innermost function.
// Same as goleak.IgnoreTopFunction.
func IgnoreTopFunction(f string) Option {
	return optionFunc(func(c *config) { c.filters = append(c.filters, filter{kind: filterTop, name: f}) })
}

// IgnoreAnyFunction ignores goroutines with f anywhere in their stack.
// Same as goleak.IgnoreAnyFunction.
func IgnoreAnyFunction(f string) Option {
	return optionFunc(func(c *config) { c.filters = append(c.filters, filter{kind: filterAny, name: f}) })
}

// IgnoreCreatedBy ignores goroutines started by a go statement in function
// f (the "created by f" line of the dump).
func IgnoreCreatedBy(f string) Option {
	return optionFunc(func(c *config) { c.filters = append(c.filters, filter{kind: filterCreatedBy, name: f}) })
}

// IgnoreLabel ignores goroutines that carry the pprof label key=value. Labels
// are read from the goroutine profile, so this works without
// GODEBUG=tracebacklabels=1.
func IgnoreLabel(key, value string) Option {
	return optionFunc(func(c *config) {
		c.filters = append(c.filters, filter{kind: filterLabel, name: key, value: value})
	})
}

// IgnoreCurrent ignores every goroutine alive when IgnoreCurrent is called
// (by id), like goleak.IgnoreCurrent. It captures all stacks once.
func IgnoreCurrent() Option {
	ids := make(map[int64]bool)
	if snap, err := captureText(); err == nil {
		for _, g := range snap.Goroutines {
			ids[g.ID] = true
		}
	}
	return optionFunc(func(c *config) { c.filters = append(c.filters, filter{kind: filterIDs, ids: ids}) })
}

// Cleanup runs f at the end of VerifyNone (with 0) or VerifyTestMain (with
// the exit code, instead of os.Exit). Same as goleak.Cleanup; Find and Check
// reject it.
func Cleanup(f func(exitCode int)) Option {
	return optionFunc(func(c *config) { c.cleanup = f })
}

// MaxRetries sets how many times leaktest waits for unexpected goroutines to
// exit before it fails; 0 checks once without waiting. The default is 20.
func MaxRetries(n int) Option {
	return optionFunc(func(c *config) {
		if n < 0 {
			n = 0
		}
		c.maxRetries = n
	})
}

// MaxSleep caps one wait between retries (waits double from 1µs up to it).
// The default is 100ms.
func MaxSleep(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			d = time.Microsecond
		}
		c.maxSleep = d
	})
}

// MaxWait caps the total time spent waiting between retries; 0 (the
// default) leaves the bound to MaxRetries and MaxSleep.
func MaxWait(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			d = 0
		}
		c.maxWait = d
	})
}

// WithoutDefaultIgnores turns off DefaultIgnores. The goroutines of the
// testing package, os/signal, runtime/trace and cgo callbacks, which goleak
// always ignores, stay ignored.
func WithoutDefaultIgnores() Option {
	return optionFunc(func(c *config) { c.noDefaults = true })
}

// OnlyGrowth makes the check fail only for goroutines beyond those alive
// when OnlyGrowth was called: goroutines are counted per go statement that
// created them, and the goroutines of a go statement fail when there are
// more of them than there were then. Unlike IgnoreCurrent, a pool whose workers
// were replaced by new ones does not fail. It captures all stacks once.
func OnlyGrowth() Option {
	b := newBaseline()
	return optionFunc(func(c *config) { c.growth = b })
}

// GoleakOptions translates options for code that still calls goleak:
// IgnoreTopFunction, IgnoreAnyFunction and Cleanup map one to one,
// IgnoreCurrent to a goleak.IgnoreCurrent taken now, MaxSleep is dropped
// (goleak does not export it). IgnoreCreatedBy, IgnoreLabel, MaxRetries,
// MaxWait and OnlyGrowth have no goleak counterpart and are dropped too.
// DefaultIgnores are included unless WithoutDefaultIgnores is given.
func GoleakOptions(opts ...Option) []goleak.Option {
	c := newConfig(opts)
	var out []goleak.Option
	current := false
	for _, f := range c.filters {
		switch f.kind {
		case filterTop:
			out = append(out, goleak.IgnoreTopFunction(f.name))
		case filterAny:
			out = append(out, goleak.IgnoreAnyFunction(f.name))
		case filterIDs:
			current = true
		}
	}
	if current {
		out = append(out, goleak.IgnoreCurrent())
	}
	if !c.noDefaults {
		for _, d := range DefaultIgnores() {
			out = append(out, goleak.IgnoreAnyFunction(d.Func))
		}
	}
	if c.cleanup != nil {
		out = append(out, goleak.Cleanup(c.cleanup))
	}
	return out
}
