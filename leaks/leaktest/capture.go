package leaktest

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/gdiag/gdiag/stack"
)

// captureText takes one runtime.Stack(all) dump and parses it. It stops the
// world for the length of the dump: about 8µs per goroutine.
func captureText() (*stack.Snapshot, error) {
	size := 64<<10 + runtime.NumGoroutine()*1024
	var buf []byte
	for {
		buf = make([]byte, size)
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		size *= 2
	}
	// One worker: parallel parsing would start goroutines of our own that
	// may still be exiting when the next capture looks.
	return stack.Parse(bytes.NewReader(buf), stack.ParseOptions{Workers: 1})
}

// labelSet is one record of the goroutine profile: how many goroutines
// with one stack carry one set of labels.
type labelSet struct {
	labels []stack.Label
	count  int
}

// captureLabels reads the goroutine profile at debug=1, which carries pprof
// labels even when GODEBUG=tracebacklabels is off, and returns the labelled
// records by stack key.
func captureLabels() map[string][]labelSet {
	prof, err := captureProfile(true)
	if err != nil {
		return nil
	}
	return labelSets(prof)
}

// labelSets indexes the labelled records of a goroutine profile by stack key.
func labelSets(prof []stack.Goroutine) map[string][]labelSet {
	out := make(map[string][]labelSet)
	for i := range prof {
		g := &prof[i]
		if len(g.Labels) == 0 {
			continue
		}
		k := stackKey(g.Stack)
		out[k] = append(out[k], labelSet{labels: g.Labels, count: g.Count})
	}
	return out
}

// attachLabels gives the goroutines of a text dump without labels the
// labels of profile records with the same stack key, one goroutine per
// counted record. When one key has goroutines with different labels (the
// same code run by two tests), a goroutine takes its parent's labels first
// (labels are inherited at the go statement); the rest are handed out in
// dump order.
func attachLabels(gs []stack.Goroutine, prof map[string][]labelSet) {
	if len(prof) == 0 {
		return
	}
	left := make(map[string][]int) // remaining count per key and record
	keys := make([]string, len(gs))
	byID := make(map[int64]int, len(gs))
	for i := range gs {
		g := &gs[i]
		byID[g.ID] = i
		if len(g.Labels) > 0 {
			continue
		}
		k := stackKey(g.Stack)
		if _, ok := prof[k]; !ok {
			continue
		}
		keys[i] = k
		if left[k] == nil {
			left[k] = make([]int, len(prof[k]))
			for j, s := range prof[k] {
				left[k][j] = s.count
			}
		}
	}
	take := func(i int, want []stack.Label) bool {
		k := keys[i]
		for j, s := range prof[k] {
			if left[k][j] > 0 && (want == nil || sameLabels(s.labels, want)) {
				left[k][j]--
				gs[i].Labels = s.labels
				keys[i] = ""
				return true
			}
		}
		return false
	}
	// Unambiguous keys first (one label set covering every goroutine with
	// the key), then children of labelled parents until nothing changes,
	// then the rest.
	perKey := make(map[string]int)
	for i := range gs {
		if keys[i] != "" {
			perKey[keys[i]]++
		}
	}
	for i := range gs {
		if k := keys[i]; k != "" && len(prof[k]) == 1 && prof[k][0].count >= perKey[k] {
			take(i, nil)
		}
	}
	for changed := true; changed; {
		changed = false
		for i := range gs {
			if keys[i] == "" {
				continue
			}
			if p, ok := byID[gs[i].ParentID]; ok && gs[i].ParentID != 0 && len(gs[p].Labels) > 0 && keys[p] == "" {
				if take(i, gs[p].Labels) {
					changed = true
				}
			}
		}
	}
	for i := range gs {
		if keys[i] != "" {
			take(i, nil)
		}
	}
}

func sameLabels(a, b []stack.Label) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func label(ls []stack.Label, key string) (string, bool) {
	for _, l := range ls {
		if l.Key == key {
			return l.Value, true
		}
	}
	return "", false
}

// stackKey identifies a stack across the text dump and the goroutine
// profile: function, file and line of every frame outside package runtime
// (the profile and the dump hide different runtime frames).
func stackKey(s *stack.Stack) string {
	var b strings.Builder
	if s == nil {
		return ""
	}
	for _, f := range s.Frames {
		if f.Package() == "runtime" {
			continue
		}
		b.WriteString(f.Func)
		b.WriteByte(' ')
		b.WriteString(f.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
	}
	return b.String()
}

// currentID returns the id of the calling goroutine from its own stack
// header ("goroutine 42 [running]:").
func currentID() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	b := bytes.TrimPrefix(buf[:n], []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		id, _ := strconv.ParseInt(string(b[:i]), 10, 64)
		return id
	}
	return 0
}

// captureFunc is the function whose frame marks the calling goroutine in a
// goroutine profile, which has no goroutine ids.
const captureFunc = "github.com/gdiag/gdiag/leaks/leaktest.captureProfile"

// captureProfile reads the goroutine profile: one record per distinct stack
// with a count, and labels when withLabels is set (then through
// runtime/pprof at debug=1; else through runtime.GoroutineProfile, which
// skips the text). It does not stop the world for the unwinding nor format
// text, so it is cheaper than captureText, but it has no ids, states or
// creation sites. The record of the calling goroutine is left out when it
// can be told apart (exactly one goroutine is in captureProfile).
func captureProfile(withLabels bool) ([]stack.Goroutine, error) {
	var gs []stack.Goroutine
	if withLabels {
		var b bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
			return nil, err
		}
		snap, err := stack.Parse(&b, stack.ParseOptions{Workers: 1})
		if err != nil && len(snap.Goroutines) == 0 {
			return nil, err
		}
		gs = snap.Goroutines
	} else {
		recs := make([]runtime.StackRecord, runtime.NumGoroutine()+64)
		for {
			n, ok := runtime.GoroutineProfile(recs)
			if ok {
				recs = recs[:n]
				break
			}
			recs = make([]runtime.StackRecord, n+n/4+64)
		}
		counts := make(map[[32]uintptr]int)
		var order [][32]uintptr
		for i := range recs {
			k := recs[i].Stack0
			if counts[k] == 0 {
				order = append(order, k)
			}
			counts[k]++
		}
		in := stack.NewInterner()
		var frames []stack.Frame
		for _, k := range order {
			pcs := k[:]
			for j, pc := range pcs {
				if pc == 0 {
					pcs = pcs[:j]
					break
				}
			}
			frames = frames[:0]
			it := runtime.CallersFrames(pcs)
			for {
				f, more := it.Next()
				if f.Function != "runtime.goexit" {
					frames = append(frames, stack.Frame{Func: f.Function, File: f.File, Line: f.Line})
				}
				if !more {
					break
				}
			}
			g := stack.Goroutine{Stack: in.Stack(frames, 0), Count: counts[k]}
			g.Op = stack.Classify(&g)
			gs = append(gs, g)
		}
	}
	self := -1
	for i := range gs {
		if hasFunc(gs[i].Stack, captureFunc) {
			if self >= 0 || gs[i].Count != 1 {
				self = -2
				break
			}
			self = i
		}
	}
	if self >= 0 {
		gs = append(gs[:self], gs[self+1:]...)
	}
	return gs, nil
}
