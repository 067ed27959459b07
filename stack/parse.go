package stack

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// ParseOptions tunes Parse. The zero value is the documented default.
type ParseOptions struct {
	// Workers is how many goroutines parse in parallel: 0 means GOMAXPROCS,
	// 1 parses on the calling goroutine only. The result does not depend on it.
	Workers int
	// MaxErrors is how many LineErrors ParseError keeps; 0 means 100. Errors
	// beyond it are counted in ParseError.Dropped.
	MaxErrors int
}

// LineError is one problem found at a 1-based input line.
type LineError struct {
	Line int
	Msg  string
}

// Error formats the error as "stack: line 4182: malformed frame …".
func (e LineError) Error() string {
	return "stack: line " + strconv.Itoa(e.Line) + ": " + e.Msg
}

// ParseError lists what Parse skipped. It is returned together with the
// goroutines that could be read.
type ParseError struct {
	// Errs are the first MaxErrors problems in input order.
	Errs []LineError
	// Dropped counts problems beyond MaxErrors that are not in Errs.
	Dropped int
	// Skipped is the number of goroutine blocks left out because they were
	// malformed.
	Skipped int
	// Truncated reports that the input ended in the middle of a goroutine;
	// that goroutine is kept with the frames read so far.
	Truncated bool
}

// Error summarises the first problem and how many others there are.
func (e *ParseError) Error() string {
	var b strings.Builder
	if len(e.Errs) > 0 {
		b.WriteString(e.Errs[0].Error())
	} else {
		b.WriteString("stack: parse error")
	}
	// Name the lines of the next few problems so that a one-line message
	// still says where to look.
	const listed = 8
	if len(e.Errs) > 1 {
		b.WriteString("; more at line")
		if len(e.Errs) > 2 {
			b.WriteString("s")
		}
		for i, le := range e.Errs[1:min(len(e.Errs), 1+listed)] {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %d", le.Line)
		}
	}
	if n := len(e.Errs) - 1 - listed; n > 0 || e.Dropped > 0 {
		fmt.Fprintf(&b, " (and %d more)", max(n, 0)+e.Dropped)
	}
	if e.Skipped > 0 {
		fmt.Fprintf(&b, "; %d goroutines skipped", e.Skipped)
	}
	return b.String()
}

// ErrNoGoroutine is wrapped by the error Parse returns when the input holds
// no goroutine at all.
var ErrNoGoroutine = errors.New("stack: no goroutine header found")

// ErrRepeatedIDs is wrapped by the error Parse returns when goroutine ids
// repeat in a text dump: the input holds more than one dump, and the
// snapshot counts every print.
var ErrRepeatedIDs = errors.New("goroutine ids are printed more than once")

const (
	// maxLineLen is the longest line accepted; longer lines are reported
	// and skipped.
	maxLineLen = 1 << 20
	// maxCount caps counts and ids read from the input.
	maxCount = 1 << 40
	// maxFrames caps the frames kept per goroutine (the runtime prints at
	// most 100 plus an elided marker; pprof debug=1 prints more).
	maxFrames = 1 << 16
)

// Parse reads a goroutine dump (runtime.Stack(buf, true) or pprof debug=2
// text, panic or fatal-error crash output with noise around it, or pprof
// debug=1 text), detecting the format by content. The input is first
// unwrapped (see Unwrap): encodings, terminal bytes, JSON records and line
// prefixes are taken off in one streaming layer.
//
// It returns every goroutine it could read and, when something was skipped or
// the input was truncated, a *ParseError listing it with line numbers; both
// may be non-nil. An input without any goroutine yields an error wrapping
// ErrNoGoroutine. A read error is returned wrapped, joined with any
// ParseError, together with what was parsed before it. The Snapshot is never
// nil.
//
// Parse streams r in chunks of about 1 MiB split at goroutine boundaries and
// parses them on opts.Workers goroutines, merging in input order; memory in
// flight is a few chunks per worker. Function and file names, label sets and
// whole stacks are interned: goroutines with identical frames share one
// *Stack. Parse is safe for concurrent use on different readers.
func Parse(r io.Reader, opts ParseOptions) (*Snapshot, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxErrs := opts.MaxErrors
	if maxErrs <= 0 {
		maxErrs = 100
	}
	u := Unwrap(r)
	ch := newChunker(u)
	m := newMerger(maxErrs, workers > 1)
	if workers == 1 {
		p := newParser(NewInterner(), maxErrs)
		for {
			c := ch.next()
			if c == nil {
				break
			}
			m.add(p.parse(c))
			ch.recycle(c)
		}
	} else {
		parallel(ch, m, workers, maxErrs)
	}
	return m.finish(ch, u.notes)
}

// parallel runs the reader, workers parsing with their own Interner, and the
// in-order merge on the calling goroutine. All goroutines have exited when it
// returns.
func parallel(ch *chunker, m *merger, workers, maxErrs int) {
	type job struct {
		c    *chunk
		done chan *result
	}
	jobs := make(chan job, workers)
	order := make(chan chan *result, workers*2)
	// Every goroutine started here has exited when parallel returns: Parse
	// leaves nothing running behind it (leaktest checks callers for that).
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for {
			c := ch.next()
			if c == nil {
				return
			}
			j := job{c: c, done: make(chan *result, 1)}
			order <- j.done
			jobs <- j
		}
	}()
	for range workers {
		go func() {
			defer wg.Done()
			p := newParser(NewInterner(), maxErrs)
			for j := range jobs {
				res := p.parse(j.c)
				ch.recycle(j.c)
				j.done <- res
			}
		}()
	}
	for done := range order {
		m.add(<-done)
	}
}

// merger joins chunk results in input order.
type merger struct {
	snap    Snapshot
	maxErrs int
	perr    ParseError
	global  *Interner
	remap   map[*Stack]*Stack
	headers int
	lines   int
	crash   bool
	debug1  bool
	// parts are the chunks' goroutines, joined once at the end: one copy
	// into an exactly sized slice instead of repeated doubling.
	parts   [][]Goroutine
	records int
}

func newMerger(maxErrs int, multi bool) *merger {
	m := &merger{maxErrs: maxErrs}
	if multi {
		m.global = NewInterner()
		m.remap = make(map[*Stack]*Stack)
	}
	return m
}

func (m *merger) stack(s *Stack) *Stack {
	if m.global == nil || s == nil {
		return s
	}
	if t, ok := m.remap[s]; ok {
		return t
	}
	t := m.global.adopt(s)
	m.remap[s] = t
	return t
}

func (m *merger) add(res *result) {
	sched := 0
	for i := range res.gs {
		g := &res.gs[i]
		g.Stack = m.stack(g.Stack)
		for j := range g.Ancestors {
			g.Ancestors[j].Stack = m.stack(g.Ancestors[j].Stack)
		}
		if g.ID == 0 && !res.debug1 {
			sched++
			continue
		}
		m.snap.Total += g.Count
	}
	if sched > 0 {
		// "goroutine 0": a thread's scheduler stack, not a goroutine.
		gs := res.gs[:0]
		for _, g := range res.gs {
			if g.ID == 0 {
				m.snap.SchedulerStacks = append(m.snap.SchedulerStacks, g)
			} else {
				gs = append(gs, g)
			}
		}
		res.gs = gs
	}
	if len(res.gs) > 0 {
		m.parts = append(m.parts, res.gs)
		m.records += len(res.gs)
	}
	for _, e := range res.errs {
		if len(m.perr.Errs) < m.maxErrs {
			m.perr.Errs = append(m.perr.Errs, e)
		} else {
			m.perr.Dropped++
		}
	}
	m.perr.Dropped += res.dropped
	m.perr.Skipped += res.skipped
	m.perr.Truncated = m.perr.Truncated || res.truncated
	m.headers += res.headers
	m.lines = res.endLine
	m.crash = m.crash || res.crash
	m.debug1 = m.debug1 || res.debug1
	if m.snap.Reason == "" && res.reason != "" {
		m.snap.Reason = res.reason
	}
}

func (m *merger) finish(ch *chunker, notes *unwrapNotes) (*Snapshot, error) {
	s := &m.snap
	switch len(m.parts) {
	case 0:
	case 1:
		s.Goroutines = m.parts[0]
	default:
		s.Goroutines = make([]Goroutine, 0, m.records)
		for i, p := range m.parts {
			s.Goroutines = append(s.Goroutines, p...)
			m.parts[i] = nil
		}
	}
	m.parts = nil
	switch {
	case m.debug1:
		s.Format = FormatDebug1
	case m.crash:
		s.Format = FormatCrash
		dedupe(s)
	case m.headers > 0:
		s.Format = FormatText
	}
	var errs []error
	if ch.err != nil {
		errs = append(errs, fmt.Errorf("stack: read at line %d: %w", ch.line, ch.err))
	}
	if m.headers == 0 {
		errs = append(errs, fmt.Errorf("%w in %d lines", ErrNoGoroutine, m.lines))
	}
	if s.Format == FormatText {
		if err := repeatedIDs(s.Goroutines); err != nil {
			errs = append(errs, err)
		}
	}
	s.Goleak = notes.goleak > 0 && notes.goleak == len(s.Goroutines)
	for _, n := range notes.errs {
		errs = append(errs, errors.New("stack: "+n))
	}
	if len(m.perr.Errs) > 0 || m.perr.Skipped > 0 || m.perr.Truncated || m.perr.Dropped > 0 {
		pe := m.perr
		errs = append(errs, &pe)
	}
	switch len(errs) {
	case 0:
		return s, nil
	case 1:
		return s, errs[0]
	}
	return s, errors.Join(errs...)
}

// repeatedIDs says, when goroutine ids repeat in a text dump, that the input
// holds more than one dump (a test that logged the stacks and then timed
// out, two SIGQUITs in one log), which the counts then add up; nil when no
// id repeats.
func repeatedIDs(gs []Goroutine) error {
	first := make(map[int64]int, len(gs))
	n, id, a, b := 0, int64(0), 0, 0
	for i := range gs {
		g := &gs[i]
		if g.ID <= 0 {
			continue
		}
		if l, ok := first[g.ID]; ok {
			if n == 0 {
				id, a, b = g.ID, l, g.Line
			}
			n++
			continue
		}
		first[g.ID] = g.Line
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("stack: %d %w (goroutine %d at lines %d and %d): the input holds more than one dump, and the counts add up every print", n, ErrRepeatedIDs, id, a, b)
}

// dedupe merges the prints of one goroutine in crash output, keeping the
// fullest at the place of the first. With GOTRACEBACK=crash the runtime lists
// every goroutine, a goroutine running on another thread as "goroutine
// running on other thread; stack unavailable", and then each thread prints
// its goroutine again. Two prints are of the same goroutine when they have
// the same id and g address ("gp=0x…", printed in that mode), or the same
// id and one of them is the "stack unavailable" print, so separate crashes
// appended to one log are not merged.
func dedupe(s *Snapshot) {
	type key struct {
		id int64
		gp uint64
	}
	var seen map[key]int    // (id, gp) -> index in out
	var ids map[int64][]int // id -> indexes in out
	out := s.Goroutines[:0]
	for _, g := range s.Goroutines {
		if g.gp == 0 && !g.nostack && ids == nil {
			out = append(out, g)
			continue
		}
		if seen == nil {
			seen = make(map[key]int)
			ids = make(map[int64][]int)
			for i, o := range out {
				ids[o.ID] = append(ids[o.ID], i)
				if o.gp != 0 {
					seen[key{o.ID, o.gp}] = i
				}
			}
		}
		prev := -1
		if i, ok := seen[key{g.ID, g.gp}]; ok && g.gp != 0 {
			prev = i
		} else {
			for _, i := range ids[g.ID] {
				if out[i].nostack || g.nostack {
					prev = i
					break
				}
			}
		}
		if prev < 0 {
			i := len(out)
			out = append(out, g)
			ids[g.ID] = append(ids[g.ID], i)
			if g.gp != 0 {
				seen[key{g.ID, g.gp}] = i
			}
			continue
		}
		s.Total -= g.Count
		if fuller(&g, &out[prev]) {
			g.Line = out[prev].Line
			out[prev] = g
			if g.gp != 0 {
				seen[key{g.ID, g.gp}] = prev
			}
		}
	}
	clear(s.Goroutines[len(out):])
	s.Goroutines = out
}

// fuller reports whether print a of a goroutine says more than print b.
func fuller(a, b *Goroutine) bool {
	if a.nostack != b.nostack {
		return b.nostack
	}
	return len(a.Stack.Frames) > len(b.Stack.Frames)
}
