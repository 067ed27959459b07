package leaks

import (
	"fmt"
	"strings"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/stack"
)

// A sync.Once's mutex is locked only inside Once.doSlow, around the call of
// the init function. So whoever holds it has a doSlow frame on its stack. A
// goroutine waiting for a Once's mutex can go on only when a goroutine inside
// a Once's init function returns from it; if every goroutine inside an init
// function is itself waiting for a Once's mutex (an init that calls Do of
// its own Once, directly or through others, or two inits calling each
// other's Do), none ever returns: every one of them is stuck for good.

const fnOnceSlow = "sync.(*Once).doSlow"

// onceWaiter reports whether s waits to lock a Once's mutex: after the
// runtime and the mutex's own frames, the first frame is Once.doSlow. It
// also returns whether a deeper doSlow frame says it is inside an init
// function itself.
func onceWaiter(s *stack.Stack, op stack.Op) (waiting, inside bool) {
	if op != stack.OpMutex || s == nil {
		return false, false
	}
	i := 0
	for ; i < len(s.Frames); i++ {
		fn := s.Frames[i].Func
		if s.Frames[i].IsRuntime() || strings.HasPrefix(fn, "internal/sync.") ||
			strings.HasPrefix(fn, "sync.runtime_") || strings.HasPrefix(fn, "sync.(*Mutex).") {
			continue
		}
		break
	}
	if i == len(s.Frames) || s.Frames[i].Func != fnOnceSlow {
		return false, false
	}
	return true, onStack(&stack.Stack{Frames: s.Frames[i+1:]}, fnOnceSlow)
}

// onceFacts says whether every goroutine inside a Once's init function
// waits for a Once's mutex (and at least one does): then all Once waiters
// of the snapshot are stuck.
type onceFacts struct {
	stuck   bool
	holders int // goroutines inside an init function
}

func newOnceFacts(gs []stack.Goroutine) onceFacts {
	var of onceFacts
	stuck := true
	for i := range gs {
		g := &gs[i]
		waiting, inside := onceWaiter(g.Stack, g.Op)
		switch {
		case waiting && inside:
			of.holders += max(g.Count, 1)
		case waiting:
		case onStack(g.Stack, fnOnceSlow):
			// Inside an init function and doing something else: it may
			// return and release its Once.
			of.holders += max(g.Count, 1)
			stuck = false
		}
	}
	of.stuck = stuck && of.holders > 0
	return of
}

// onceEvidence weighs goroutines waiting for a Once's mutex when every
// goroutine that could release one is itself such a waiter. Strong rather
// than proof: a truncated dump may lack the goroutine that would release it.
func onceEvidence(f *Finding, sf *snapshotFacts, b *stack.Bucket) int {
	if !sf.once.stuck {
		return 0
	}
	if waiting, _ := onceWaiter(b.Stack, b.Op); !waiting {
		return 0
	}
	f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceOnceCycle, Weight: 2,
		Text: fmt.Sprintf("waits for a sync.Once held by a goroutine inside its init function, and all %s goroutines inside one wait for a sync.Once themselves: an init calls Do of its own Once (or two inits call each other's), none can return", units.Thousands(sf.once.holders))})
	return 2
}
