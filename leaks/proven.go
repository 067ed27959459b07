package leaks

import (
	"strconv"
	"strings"

	"github.com/gdiag/gdiag/stack"
)

// maxKeyFrames bounds how many frames a stack key compares: text dumps elide
// frames past 100 and profiles may be cut at a depth of their own.
const maxKeyFrames = 32

// profileIndex holds the stacks of a goroutineleak profile, keyed so that
// the same stack matches whether it came from a text dump, debug=1 text or a
// proto: runtime frames are dropped (text dumps hide them, protos show
// them) and only function and line are compared.
type profileIndex struct {
	keys  map[string]bool
	memo  map[*stack.Stack]bool
	total int
}

func newProfileIndex(s *stack.Snapshot) *profileIndex {
	p := &profileIndex{}
	if s == nil {
		return p
	}
	p.keys = make(map[string]bool, len(s.Goroutines))
	p.memo = map[*stack.Stack]bool{}
	for i := range s.Goroutines {
		if k := stackKey(s.Goroutines[i].Stack); k != "" {
			p.keys[k] = true
		}
		p.total += s.Goroutines[i].Count
	}
	return p
}

// has reports whether the profile lists st.
func (p *profileIndex) has(st *stack.Stack) bool {
	if p.total == 0 || st == nil {
		return false
	}
	if v, ok := p.memo[st]; ok {
		return v
	}
	v := p.keys[stackKey(st)]
	p.memo[st] = v
	return v
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
