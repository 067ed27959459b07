package gctune

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ErrMalformed is wrapped by every error ParseGCTrace returns for a line that
// starts like a gctrace line ("gc 12 @3.4s") but does not parse.
var ErrMalformed = errors.New("malformed gctrace line")

// maxLineErrors bounds how many line errors ParseGCTrace keeps; the rest are
// counted.
const maxLineErrors = 20

// maxLineBytes is the longest input line ParseGCTrace reads; longer lines
// are skipped with a line error (a gctrace line is under 300 bytes).
const maxLineBytes = 1 << 20

// MaxCycles is the most cycles ParseGCTrace returns (about 100 MiB of
// Cycles; six days of a GC cycle per second). Past it parsing stops with an
// error wrapping ErrTooManyCycles, so memory stays bounded whatever the input.
const MaxCycles = 1 << 19

// ErrTooManyCycles is wrapped by the error of a gctrace log with more than
// MaxCycles cycles; the first MaxCycles are returned.
var ErrTooManyCycles = errors.New("more GC cycles than gctune.MaxCycles")

// Cycle is one completed GC cycle as printed by GODEBUG=gctrace=1, with the
// scavenger line (GODEBUG=scavtrace=1) that followed it, if any. Sizes are
// bytes; the runtime prints them in whole MiB (truncated), so they are
// multiples of 1 MiB.
type Cycle struct {
	// Line is the 1-based line number in the input.
	Line int `json:"line"`
	// N is the cycle number (the runtime's numgc).
	N int `json:"n"`
	// At is the start of the cycle since process start.
	At time.Duration `json:"at_ns"`
	// CPUPercent is the GC's share of available CPU (GOMAXPROCS × wall
	// time) since process start, in whole percent.
	CPUPercent int `json:"cpu_percent"`
	// Forced is set for cycles started by runtime.GC or debug.FreeOSMemory.
	Forced bool `json:"forced,omitempty"`
	// LeakCheck is set for Go 1.26+ cycles run for a goroutine leak profile.
	LeakCheck bool `json:"leak_check,omitempty"`

	// Wall-clock phases: sweep termination (STW), concurrent mark, mark
	// termination (STW).
	SweepTermClock time.Duration `json:"sweep_term_clock_ns"`
	MarkClock      time.Duration `json:"mark_clock_ns"`
	MarkTermClock  time.Duration `json:"mark_term_clock_ns"`

	// CPU time: sweep termination (STW × procs), mark assists, background
	// (dedicated + fractional) workers, idle workers, mark termination.
	SweepTermCPU  time.Duration `json:"sweep_term_cpu_ns"`
	AssistCPU     time.Duration `json:"assist_cpu_ns"`
	BackgroundCPU time.Duration `json:"background_cpu_ns"`
	IdleCPU       time.Duration `json:"idle_cpu_ns"`
	MarkTermCPU   time.Duration `json:"mark_term_cpu_ns"`

	// HeapStartBytes is the heap when the cycle started (the trigger),
	// HeapEndBytes when marking ended, LiveBytes the marked (live) heap.
	HeapStartBytes int64 `json:"heap_start_bytes"`
	HeapEndBytes   int64 `json:"heap_end_bytes"`
	LiveBytes      int64 `json:"live_bytes"`
	// GoalBytes is the heap goal of this cycle.
	GoalBytes int64 `json:"goal_bytes"`
	// StacksBytes and GlobalsBytes are the scannable stack and globals
	// (GC roots); HasRoots is false for pre-Go 1.18 lines that lack them.
	StacksBytes  int64 `json:"stacks_bytes"`
	GlobalsBytes int64 `json:"globals_bytes"`
	HasRoots     bool  `json:"has_roots"`
	// Procs is GOMAXPROCS during the cycle.
	Procs int `json:"procs"`

	// Scavenger figures from the "scav" line printed after this cycle, if
	// any: bytes released in the interval (background + eager) and bytes
	// released in total.
	HasScav           bool  `json:"has_scav,omitempty"`
	ScavWorkBytes     int64 `json:"scav_work_bytes,omitempty"`
	ScavReleasedBytes int64 `json:"scav_released_bytes,omitempty"`
}

// CPU is the total GC CPU time of the cycle (all five components).
func (c Cycle) CPU() time.Duration {
	return c.SweepTermCPU + c.AssistCPU + c.BackgroundCPU + c.IdleCPU + c.MarkTermCPU
}

// Pause is the stop-the-world time of the cycle (both STW phases).
func (c Cycle) Pause() time.Duration { return c.SweepTermClock + c.MarkTermClock }

// RootsBytes is stacks + globals.
func (c Cycle) RootsBytes() int64 { return c.StacksBytes + c.GlobalsBytes }

// ParseGCTrace reads GODEBUG=gctrace=1 output in every format printed by Go
// 1.20 through 1.26 (and the pre-1.18 form without stacks and globals). The
// input may mix in any other log output and per-line prefixes (timestamps,
// container log headers): a gctrace line is recognised by "gc N @" followed
// by a digit anywhere in the line. "scav" lines (GODEBUG=scavtrace=1, both the
// Go 1.19–1.20 and the Go 1.21+ form) are attached to the preceding cycle.
//
// It returns the cycles in input order and, when some lines looked like
// gctrace but did not parse, an error that joins line-numbered errors
// wrapping ErrMalformed (the first 20, then a count). Both results can be
// non-nil. A read error is wrapped and returned with the cycles read so far.
// Lines over 1 MiB are skipped with a line error; past MaxCycles cycles it
// stops with an error wrapping ErrTooManyCycles. It never panics. Cost: one pass, O(input); safe for concurrent use.
func ParseGCTrace(r io.Reader) ([]Cycle, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		cycles  []Cycle
		errs    []error
		dropped int
		line    int
		long    []byte // the start of a line longer than the reader's buffer
		partial bool   // long holds the start of the current line
		tooLong bool   // the current line is over maxLineBytes: skip it
	)
	addErr := func(err error) {
		if len(errs) < maxLineErrors {
			errs = append(errs, err)
		} else {
			dropped++
		}
	}
	for {
		chunk, rerr := br.ReadSlice('\n')
		if rerr == bufio.ErrBufferFull {
			partial = true
			if !tooLong && len(long)+len(chunk) > maxLineBytes {
				tooLong, long = true, nil
			} else if !tooLong {
				long = append(long, chunk...)
			}
			continue
		}
		if partial {
			if !tooLong && len(long)+len(chunk) <= maxLineBytes {
				chunk = append(long, chunk...)
			} else {
				tooLong = true
			}
			partial, long = false, nil
		}
		if tooLong {
			tooLong = false
			line++
			addErr(fmt.Errorf("gctune: line %d: longer than %d bytes, skipped: %w", line, maxLineBytes, ErrMalformed))
			if rerr != nil {
				if rerr != io.EOF {
					addErr(fmt.Errorf("gctune: line %d: reading gctrace: %w", line+1, rerr))
				}
				break
			}
			continue
		}
		if len(chunk) == 0 && rerr != nil {
			if rerr != io.EOF {
				addErr(fmt.Errorf("gctune: line %d: reading gctrace: %w", line+1, rerr))
			}
			break
		}
		line++
		s := strings.TrimRight(string(chunk), "\r\n")
		if i := strings.Index(s, "scav "); i >= 0 && len(cycles) > 0 && !strings.Contains(s, "gc ") {
			if work, released, ok := parseScav(s[i:]); ok {
				c := &cycles[len(cycles)-1]
				c.HasScav = true
				c.ScavWorkBytes += work
				c.ScavReleasedBytes = released
			}
		} else if start := findGCLine(s); start >= 0 {
			c, err := parseCycle(s[start:])
			if err != nil {
				addErr(fmt.Errorf("gctune: line %d: %w", line, err))
			} else if len(cycles) == MaxCycles {
				errs = append(errs, fmt.Errorf("gctune: line %d: more than %d GC cycles, the rest is ignored: %w", line, MaxCycles, ErrTooManyCycles))
				break
			} else {
				c.Line = line
				cycles = append(cycles, c)
			}
		}
		if rerr != nil {
			if rerr != io.EOF {
				addErr(fmt.Errorf("gctune: line %d: reading gctrace: %w", line+1, rerr))
			}
			break
		}
	}
	if dropped > 0 {
		errs = append(errs, fmt.Errorf("gctune: %d more malformed lines: %w", dropped, ErrMalformed))
	}
	return cycles, errors.Join(errs...)
}

// IsGCTraceLine reports whether line holds one GODEBUG=gctrace=1 cycle line
// that ParseGCTrace reads, after any prefix (timestamps, `kubectl logs`
// and CRI container log headers). Package analyzer uses it to recognise a
// gctrace log, so what it accepts and what ParseGCTrace parses cannot drift.
func IsGCTraceLine(line string) bool {
	i := findGCLine(line)
	if i < 0 {
		return false
	}
	_, err := parseCycle(line[i:])
	return err == nil
}

// findGCLine returns the index of "gc N @D" in s, or -1.
func findGCLine(s string) int {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "gc ")
		if i < 0 {
			return -1
		}
		i += off
		j := i + 3
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > j && k+2 < len(s) && s[k] == ' ' && s[k+1] == '@' && isDigit(s[k+2]) {
			return i
		}
		off = i + 3
	}
	return -1
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// cursor is a tiny forgiving scanner over one line.
type cursor struct {
	s string
	i int
}

func (c *cursor) lit(want string) bool {
	if strings.HasPrefix(c.s[c.i:], want) {
		c.i += len(want)
		return true
	}
	return false
}

func (c *cursor) number() (float64, bool) {
	j := c.i
	for j < len(c.s) && (isDigit(c.s[j]) || c.s[j] == '.') {
		j++
	}
	if j == c.i {
		return 0, false
	}
	f, err := strconv.ParseFloat(c.s[c.i:j], 64)
	if err != nil {
		return 0, false
	}
	c.i = j
	return f, true
}

func (c *cursor) integer() (int64, bool) {
	j := c.i
	for j < len(c.s) && isDigit(c.s[j]) {
		j++
	}
	if j == c.i {
		return 0, false
	}
	n, err := strconv.ParseInt(c.s[c.i:j], 10, 64)
	if err != nil {
		return 0, false
	}
	c.i = j
	return n, true
}

// ms reads a millisecond figure as a duration.
func (c *cursor) ms() (time.Duration, bool) {
	f, ok := c.number()
	if !ok || f > 1e12 {
		return 0, false
	}
	return time.Duration(f * float64(time.Millisecond)), true
}

// mb reads a whole-MiB figure as bytes.
func (c *cursor) mb() (int64, bool) {
	n, ok := c.integer()
	if !ok || n > 1<<40 {
		return 0, false
	}
	return n << 20, true
}

// parseCycle parses s, which starts with "gc N @".
func parseCycle(s string) (Cycle, error) {
	var cy Cycle
	c := &cursor{s: s}
	fail := func(what string) (Cycle, error) {
		return Cycle{}, fmt.Errorf("column %d: %s: %w", c.i+1, what, ErrMalformed)
	}
	c.lit("gc ")
	n, ok := c.integer()
	if !ok || n > 1<<31 {
		return fail("cycle number")
	}
	cy.N = int(n)
	c.lit(" @")
	sec, ok := c.number()
	if !ok || !c.lit("s ") || sec > 1e9 {
		return fail("start time")
	}
	cy.At = time.Duration(sec * float64(time.Second))
	pct, ok := c.integer()
	if !ok || !c.lit("%") || pct > 1e6 {
		return fail("cpu percent")
	}
	cy.CPUPercent = int(pct)
	if c.lit(" (checking for goroutine leaks)") {
		cy.LeakCheck = true
	}
	if !c.lit(": ") {
		return fail(`": " after cpu percent`)
	}
	var clock [3]time.Duration
	for i := range clock {
		if i > 0 && !c.lit("+") {
			return fail("clock phases")
		}
		if clock[i], ok = c.ms(); !ok {
			return fail("clock phases")
		}
	}
	if !c.lit(" ms clock, ") {
		return fail(`"ms clock"`)
	}
	cy.SweepTermClock, cy.MarkClock, cy.MarkTermClock = clock[0], clock[1], clock[2]
	var cpu [5]time.Duration
	for i := range cpu {
		sep := "+"
		if i == 2 || i == 3 {
			sep = "/"
		}
		if i > 0 && !c.lit(sep) {
			return fail("cpu phases")
		}
		if cpu[i], ok = c.ms(); !ok {
			return fail("cpu phases")
		}
	}
	if !c.lit(" ms cpu, ") {
		return fail(`"ms cpu"`)
	}
	cy.SweepTermCPU, cy.AssistCPU, cy.BackgroundCPU, cy.IdleCPU, cy.MarkTermCPU = cpu[0], cpu[1], cpu[2], cpu[3], cpu[4]
	var heap [3]int64
	for i := range heap {
		if i > 0 && !c.lit("->") {
			return fail("heap sizes")
		}
		if heap[i], ok = c.mb(); !ok {
			return fail("heap sizes")
		}
	}
	if !c.lit(" MB, ") {
		return fail(`"MB" after heap sizes`)
	}
	cy.HeapStartBytes, cy.HeapEndBytes, cy.LiveBytes = heap[0], heap[1], heap[2]
	if cy.GoalBytes, ok = c.mb(); !ok || !c.lit(" MB goal, ") {
		return fail("heap goal")
	}
	// Go 1.18+: "S MB stacks, G MB globals, " before the P count.
	save := c.i
	if st, ok := c.mb(); ok && c.lit(" MB stacks, ") {
		gl, ok := c.mb()
		if !ok || !c.lit(" MB globals, ") {
			return fail("globals")
		}
		cy.StacksBytes, cy.GlobalsBytes, cy.HasRoots = st, gl, true
	} else {
		c.i = save
	}
	p, ok := c.integer()
	if !ok || !c.lit(" P") || p > 1<<20 {
		return fail("P count")
	}
	cy.Procs = int(p)
	if c.lit(" (forced)") {
		cy.Forced = true
	}
	return cy, nil
}

// parseScav parses a scavenger trace line starting at "scav ". It returns the
// bytes released in the interval and in total.
//
//	Go 1.21+:     scav 0 KiB work (bg), 0 KiB work (eager), 5880 KiB now, 100% util
//	Go 1.19–1.20: scav 0 KiB work, 5880 KiB total, 100% util
func parseScav(s string) (work, released int64, ok bool) {
	c := &cursor{s: s}
	c.lit("scav ")
	kib := func() (int64, bool) {
		n, ok := c.integer()
		if !ok || n > 1<<40 {
			return 0, false
		}
		return n << 10, c.lit(" KiB ")
	}
	w, ok := kib()
	if !ok {
		return 0, 0, false
	}
	if c.lit("work (bg), ") {
		eager, ok := kib()
		if !ok || !c.lit("work (eager), ") {
			return 0, 0, false
		}
		now, ok := kib()
		if !ok || !c.lit("now, ") {
			return 0, 0, false
		}
		return w + eager, now, true
	}
	if !c.lit("work, ") {
		return 0, 0, false
	}
	total, ok := kib()
	if !ok || !c.lit("total, ") {
		return 0, 0, false
	}
	return w, total, true
}
