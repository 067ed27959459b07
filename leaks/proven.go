package leaks

import (
	"strconv"
	"strings"

	"github.com/gdiag/gdiag/stack"
)

// maxKeyFrames bounds how many frames a stack key compares: text dumps elide
// frames past 100 and profiles may be cut at a depth of their own.
const maxKeyFrames = 32

// profileIndex holds the stacks of a goroutineleak profile with how many
// goroutines it lists at each, keyed so that the same stack matches whether
// it came from a text dump, debug=1 text or a proto: runtime frames are
// dropped (text dumps hide them, protos show them) and only function and
// line are compared. Matching goroutines take from the counts, so a dump
// with more goroutines at a stack than the profile lists gets exactly the
// profile's number proven.
type profileIndex struct {
	left  map[string]int // stack key → goroutines not yet matched
	memo  map[*stack.Stack]string
	total int
}

func newProfileIndex(s *stack.Snapshot) *profileIndex {
	p := &profileIndex{}
	if s == nil {
		return p
	}
	p.left = make(map[string]int, len(s.Goroutines))
	p.memo = map[*stack.Stack]string{}
	for i := range s.Goroutines {
		if k := stackKey(s.Goroutines[i].Stack); k != "" {
			p.left[k] += s.Goroutines[i].Count
		}
		p.total += s.Goroutines[i].Count
	}
	return p
}

// take returns how many of n goroutines with stack st the profile lists
// that no earlier goroutine has taken, and takes them.
func (p *profileIndex) take(st *stack.Stack, n int) int {
	if p.total == 0 || st == nil || n <= 0 {
		return 0
	}
	k, ok := p.memo[st]
	if !ok {
		k = stackKey(st)
		p.memo[st] = k
	}
	got := min(n, p.left[k])
	if got > 0 {
		p.left[k] -= got
	}
	return got
}

// stackKey is the match key of a stack: "func:line" of its first
// maxKeyFrames frames outside the runtime.
func stackKey(st *stack.Stack) string {
	if st == nil {
		return ""
	}
	var b strings.Builder
	n := 0
	for _, f := range st.Frames {
		if f.IsRuntime() {
			continue
		}
		if n == maxKeyFrames {
			break
		}
		b.WriteString(f.Func)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
		n++
	}
	return b.String()
}
