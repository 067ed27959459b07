package stack

import (
	"encoding/binary"
	"math"
)

// Interner deduplicates function names, file names, label sets and whole
// stacks, so that goroutines with identical frames share one *Stack and each
// distinct name is stored once.
//
// Parse uses one Interner per worker; package analyzer uses one to build
// goroutines from pprof protos with the same sharing. An Interner is not safe
// for concurrent use. Memory grows with the number of distinct names and
// stacks, never with the number of goroutines.
type Interner struct {
	ids    map[string]uint32
	strs   []string
	stacks map[string]*Stack
	labels map[string][]Label
	key    []byte
	slab   []Frame
}

// NewInterner returns an empty Interner.
func NewInterner() *Interner {
	return &Interner{
		ids:    make(map[string]uint32, 1024),
		stacks: make(map[string]*Stack, 1024),
		labels: make(map[string][]Label),
	}
}

// String returns the interned copy of s. Cost: one map lookup.
func (in *Interner) String(s string) string {
	if id, ok := in.ids[s]; ok {
		return in.strs[id]
	}
	return in.strs[in.add(s)]
}

// bytes interns b without allocating when it is already known.
func (in *Interner) bytes(b []byte) (string, uint32) {
	if id, ok := in.ids[string(b)]; ok {
		return in.strs[id], id
	}
	id := in.add(string(b))
	return in.strs[id], id
}

func (in *Interner) id(s string) uint32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	return in.add(s)
}

func (in *Interner) add(s string) uint32 {
	id := uint32(len(in.strs))
	in.strs = append(in.strs, s)
	in.ids[s] = id
	return id
}

// appendFrameKey appends the identity of one frame (interned ids and line)
// to a stack key.
func appendFrameKey(key []byte, fn, file uint32, line int) []byte {
	key = binary.LittleEndian.AppendUint32(key, fn)
	key = binary.LittleEndian.AppendUint32(key, file)
	return binary.LittleEndian.AppendUint32(key, uint32(line))
}

// Stack returns the shared *Stack for frames and elided (see Stack.Elided),
// interning the function and file names. frames is copied when the stack is
// new, so the caller may reuse it. Cost: one map lookup per frame plus one for
// the stack.
func (in *Interner) Stack(frames []Frame, elided int) *Stack {
	key := in.key[:0]
	for _, f := range frames {
		key = appendFrameKey(key, in.id(f.Func), in.id(f.File), clampLine(f.Line))
	}
	key = binary.LittleEndian.AppendUint32(key, uint32(int32(elided)))
	in.key = key
	if s, ok := in.stacks[string(key)]; ok {
		return s
	}
	cp := in.frames(len(frames))
	for i, f := range frames {
		cp[i] = Frame{Func: in.String(f.Func), File: in.String(f.File), Line: clampLine(f.Line)}
	}
	s := &Stack{Frames: cp, Elided: elided}
	in.stacks[string(key)] = s
	return s
}

// stackKeyed is Stack for a parser that already built the key (frame ids
// without elided) and interned frames; frames is copied when new.
func (in *Interner) stackKeyed(key []byte, frames []Frame, elided int) ([]byte, *Stack) {
	key = binary.LittleEndian.AppendUint32(key, uint32(int32(elided)))
	if s, ok := in.stacks[string(key)]; ok {
		return key, s
	}
	cp := in.frames(len(frames))
	copy(cp, frames)
	s := &Stack{Frames: cp, Elided: elided}
	in.stacks[string(key)] = s
	return key, s
}

// adopt returns the interned stack equal to s, registering s itself when it
// is new (s must not be modified afterwards).
func (in *Interner) adopt(s *Stack) *Stack {
	key := in.key[:0]
	for _, f := range s.Frames {
		key = appendFrameKey(key, in.id(f.Func), in.id(f.File), f.Line)
	}
	key = binary.LittleEndian.AppendUint32(key, uint32(int32(s.Elided)))
	in.key = key
	if t, ok := in.stacks[string(key)]; ok {
		return t
	}
	in.stacks[string(key)] = s
	return s
}

// frames returns n frames from a slab, to avoid one allocation per stack.
func (in *Interner) frames(n int) []Frame {
	if n == 0 {
		return nil
	}
	if n > 256 {
		return make([]Frame, n)
	}
	if len(in.slab) < n {
		in.slab = make([]Frame, 4096)
	}
	f := in.slab[:n:n]
	in.slab = in.slab[n:]
	return f
}

// labelSet interns a label set by its raw printed form; parse is called only
// for a new form.
func (in *Interner) labelSet(raw []byte, parse func([]byte) []Label) []Label {
	if l, ok := in.labels[string(raw)]; ok {
		return l
	}
	l := parse(raw)
	for i := range l {
		l[i].Key = in.String(l[i].Key)
		l[i].Value = in.String(l[i].Value)
	}
	in.labels[string(raw)] = l
	return l
}

func clampLine(n int) int {
	if n < 0 {
		return 0
	}
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	return n
}
