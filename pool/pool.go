package pool

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"

	"github.com/gdiag/gdiag/bundle"
)

// Pool is a typed, instrumented sync.Pool. The zero value is not usable; make
// one with New.
//
// T should be a pointer type (*bytes.Buffer, *[]byte, *Order): sync.Pool stores
// values in an interface, so a non-pointer T is copied to the heap on every
// Put, which is the allocation a pool is meant to remove.
//
// All methods are safe for concurrent use. Get and Put cost one sync.Pool
// operation plus one atomic add on a per-CPU-ish counter shard (a few
// nanoseconds; see BenchmarkPool for the ratio to a raw sync.Pool).
type Pool[T any] struct {
	p       sync.Pool
	name    string
	newFn   func() T
	reset   func(T)
	size    func(T) int
	maxSize int
	newFunc string
	c       counters
}

// Option configures a Pool. The set of options is closed: use the With…
// functions of this package.
type Option[T any] interface {
	apply(*Pool[T]) error
}

type optionFunc[T any] func(*Pool[T]) error

func (f optionFunc[T]) apply(p *Pool[T]) error { return f(p) }

// WithReset sets a function that Put calls on every item it keeps, before the
// item goes back into the pool (e.g. (*bytes.Buffer).Reset). It must not
// retain the item.
func WithReset[T any](reset func(T)) Option[T] {
	return optionFunc[T](func(p *Pool[T]) error {
		if reset == nil {
			return errors.New("pool: WithReset: nil reset function")
		}
		p.reset = reset
		return nil
	})
}

// WithMaxSize sets the size rule: Put measures each item with size (in any
// unit the caller chooses, usually bytes of capacity, e.g.
// func(b *bytes.Buffer) int { return b.Cap() }) and drops items larger than
// max instead of keeping them, so that one huge request does not pin a huge
// buffer in the pool for everyone. Dropped items are counted in
// PoolStats.Drops. max must be positive.
func WithMaxSize[T any](size func(T) int, max int) Option[T] {
	return optionFunc[T](func(p *Pool[T]) error {
		var errs []error
		if size == nil {
			errs = append(errs, errors.New("pool: WithMaxSize: nil size function"))
		}
		if max <= 0 {
			errs = append(errs, fmt.Errorf("pool: WithMaxSize: max %d must be positive", max))
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		p.size, p.maxSize = size, max
		return nil
	})
}

// New returns a pool named name (the name shown in bundles and reports) that
// makes new items with newFn when it has none to give. It validates all
// options at once and returns every problem joined in one error.
func New[T any](name string, newFn func() T, opts ...Option[T]) (*Pool[T], error) {
	p := &Pool[T]{name: name, newFn: newFn}
	var errs []error
	if name == "" {
		errs = append(errs, errors.New("pool: New: empty name"))
	}
	if newFn == nil {
		errs = append(errs, fmt.Errorf("pool: New %q: nil constructor", name))
	}
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("pool: New %q: option %d is nil", name, i))
			continue
		}
		if err := o.apply(p); err != nil {
			errs = append(errs, fmt.Errorf("pool: New %q: option %d: %w", name, i, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if f := runtime.FuncForPC(reflect.ValueOf(newFn).Pointer()); f != nil {
		p.newFunc = f.Name()
	}
	return p, nil
}

// Get returns an item from the pool, or a new one from the constructor when
// the pool is empty. The caller owns the item until it calls Put.
func (p *Pool[T]) Get() T {
	s := p.c.shard()
	s.gets.Add(1)
	if v := p.p.Get(); v != nil {
		return v.(T)
	}
	s.news.Add(1)
	return p.newFn()
}

// Put returns x to the pool. With a size rule, items larger than the maximum
// are dropped (left to the garbage collector) and counted; kept items are
// reset first when a reset function is set. The caller must not use x after
// Put.
func (p *Pool[T]) Put(x T) {
	s := p.c.shard()
	if p.size != nil && p.size(x) > p.maxSize {
		s.drops.Add(1)
		return
	}
	s.puts.Add(1)
	if p.reset != nil {
		p.reset(x)
	}
	p.p.Put(x)
}

// Name returns the pool's name.
func (p *Pool[T]) Name() string { return p.name }

// Stats returns the pool's counters. It is the method package collector reads
// (collector.PoolReporter). The counters are read one after another,
// not as one atomic snapshot, but News never exceeds Gets in the result.
// Cost: a few dozen atomic loads; safe for concurrent use.
func (p *Pool[T]) Stats() bundle.PoolStats {
	st := bundle.PoolStats{Name: p.name, NewFunc: p.newFunc}
	// Read misses before gets: every miss counted was preceded by its get.
	for i := range p.c.s {
		st.News += p.c.s[i].news.Load()
		st.Drops += p.c.s[i].drops.Load()
	}
	for i := range p.c.s {
		st.Gets += p.c.s[i].gets.Load()
		st.Puts += p.c.s[i].puts.Load()
	}
	return st
}
