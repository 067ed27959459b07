package stack

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"hash/maphash"
	"slices"
	"strconv"
	"time"
)

// Similarity says how alike goroutines must be to share a bucket.
type Similarity uint8

// Similarity levels.
const (
	// SimilarityExact groups goroutines whose frames match in function,
	// file and line, with the same state and created-by site.
	SimilarityExact Similarity = iota
	// SimilarityFunc compares function names only (frames and created-by),
	// so goroutines blocked at different lines of the same functions merge.
	SimilarityFunc
	// SimilarityTop compares the top GroupOptions.TopFrames frames exactly
	// and ignores the rest of the stack and the created-by site.
	SimilarityTop
)

var similarityNames = [...]string{"exact", "func", "top"}

// String returns "exact", "func" or "top".
func (s Similarity) String() string {
	if int(s) < len(similarityNames) {
		return similarityNames[s]
	}
	return "similarity(" + strconv.Itoa(int(s)) + ")"
}

// ParseSimilarity parses the names String returns, for command-line flags.
func ParseSimilarity(s string) (Similarity, error) {
	for i, n := range similarityNames {
		if s == n {
			return Similarity(i), nil
		}
	}
	return 0, fmt.Errorf("stack: unknown similarity %q (want exact, func or top)", s)
}

// DefaultTopFrames is the number of frames SimilarityTop compares when
// GroupOptions.TopFrames is 0.
const DefaultTopFrames = 5

// GroupOptions tunes Group. The zero value groups exactly.
type GroupOptions struct {
	Similarity Similarity
	// TopFrames is the number of frames compared by SimilarityTop; 0 means
	// DefaultTopFrames.
	TopFrames int
}

// Bucket is a set of goroutines with the same signature.
type Bucket struct {
	// Stack is the stack of the first goroutine in the bucket (in input
	// order); with SimilarityFunc or SimilarityTop others may differ in lines
	// or lower frames.
	Stack *Stack
	// State and Op are shared by every goroutine in the bucket.
	State string
	Op    Op
	// CreatedBy is the first goroutine's creation site.
	CreatedBy Frame
	// Count is the number of goroutines (the sum of Goroutine.Count).
	Count int
	// IDs are the non-zero goroutine ids in input order (aggregated records
	// from debug=1 text and protos have none).
	IDs []int64
	// MinWait and MaxWait bound Goroutine.Wait over the bucket.
	MinWait, MaxWait time.Duration
	// Labels are the labels when every goroutine in the bucket has the same
	// ones, else nil.
	Labels []Label
	// Flags are the flags set on every goroutine in the bucket.
	Flags Flags
	// Goroutines are indexes into the slice given to Group, in input order.
	Goroutines []int
	// Signature is a stable 16-hex-digit hash of what the goroutines share at
	// the similarity used: equal across snapshots and processes, so buckets
	// of two dumps can be matched.
	Signature string
}

type groupKey struct {
	sig     int
	state   string
	op      Op
	created Frame
}

// Group puts goroutines into buckets by signature in linear time (one hash
// lookup per goroutine, one signature per distinct stack; never pairwise).
// Buckets are sorted by Count descending, then by first frame, state and
// signature, so the order is deterministic. gs is not modified.
func Group(gs []Goroutine, opts GroupOptions) []Bucket {
	top := opts.TopFrames
	if top <= 0 {
		top = DefaultTopFrames
	}
	// Stacks are compared at the similarity level through a hash, computed
	// once per distinct *Stack and confirmed frame by frame, so stacks from
	// different Interners still match and no signature text is built.
	sigIDs := map[*Stack]int{}
	heads := map[uint64]int{}
	type rep struct {
		s    *Stack
		next int // next rep with the same hash, -1 at the end
	}
	var reps []rep
	seed := maphash.MakeSeed()
	sigID := func(s *Stack) int {
		if v, ok := sigIDs[s]; ok {
			return v
		}
		h := stackHash(seed, s, opts.Similarity, top)
		head, ok := heads[h]
		if !ok {
			head = -1
		}
		v := -1
		for i := head; i >= 0; i = reps[i].next {
			if sameSig(reps[i].s, s, opts.Similarity, top) {
				v = i
				break
			}
		}
		if v < 0 {
			v = len(reps)
			reps = append(reps, rep{s: s, next: head})
			heads[h] = v
		}
		sigIDs[s] = v
		return v
	}
	index := make(map[groupKey]int32)
	var out []Bucket
	// First pass: the bucket of every goroutine and the buckets' sizes.
	of := make([]int32, len(gs))
	var sizes, ids []int // per bucket: goroutines, and those with an id
	var lastKey groupKey
	last := int32(-1)
	for i := range gs {
		g := &gs[i]
		k := groupKey{sig: sigID(g.Stack), state: g.State, op: g.Op}
		switch opts.Similarity {
		case SimilarityFunc:
			k.created.Func = g.CreatedBy.Func
		case SimilarityTop:
		default:
			k.created = g.CreatedBy
		}
		bi := last
		if last < 0 || k != lastKey { // neighbours often share a bucket
			var ok bool
			bi, ok = index[k]
			if !ok {
				bi = int32(len(out))
				index[k] = bi
				out = append(out, Bucket{Stack: g.Stack, State: g.State, Op: g.Op, CreatedBy: g.CreatedBy,
					MinWait: g.Wait, MaxWait: g.Wait, Labels: g.Labels, Flags: g.Flags})
				ids = append(ids, 0)
				sizes = append(sizes, 0)
			}
			last, lastKey = bi, k
		}
		of[i] = bi
		b := &out[bi]
		b.Count += g.Count
		if g.ID != 0 {
			ids[bi]++
		}
		b.MinWait = min(b.MinWait, g.Wait)
		b.MaxWait = max(b.MaxWait, g.Wait)
		b.Flags &= g.Flags
		if b.Labels != nil && !sameLabels(b.Labels, g.Labels) {
			b.Labels = nil
		}
		sizes[bi]++
	}
	// Second pass: fill Goroutines and IDs from two shared backing arrays,
	// two allocations in all instead of a growing slice per bucket.
	members := make([]int, len(gs))
	allIDs := make([]int64, 0, len(gs))
	off := 0
	nid := 0
	for bi := range out {
		b := &out[bi]
		n := sizes[bi]
		b.Goroutines = members[off : off : off+n]
		off += n
		if ids[bi] > 0 {
			b.IDs = allIDs[nid : nid : nid+ids[bi]]
			nid += ids[bi]
		}
	}
	for i := range gs {
		b := &out[of[i]]
		b.Goroutines = append(b.Goroutines, i)
		if id := gs[i].ID; id != 0 {
			b.IDs = append(b.IDs, id)
		}
	}
	// The signature is a CRC-64 (ECMA) of the bucket's signature text, built
	// in one reused buffer: stable across processes and snapshots, and fast
	// when there are about as many buckets as goroutines.
	var buf []byte
	crc := crc64.MakeTable(crc64.ECMA)
	for i := range out {
		b := &out[i]
		buf = append(buf[:0], opts.Similarity.String()...)
		buf = append(buf, 0)
		buf = append(buf, b.State...)
		buf = append(buf, 0, byte(b.Op), 0)
		buf = appendSig(buf, b.Stack, opts.Similarity, top)
		switch opts.Similarity {
		case SimilarityFunc:
			buf = append(buf, b.CreatedBy.Func...)
		case SimilarityExact:
			buf = appendFrame(buf, b.CreatedBy)
		}
		var hex [16]byte
		v := crc64.Checksum(buf, crc)
		for j := 15; j >= 0; j-- {
			hex[j] = "0123456789abcdef"[v&15]
			v >>= 4
		}
		b.Signature = string(hex[:])
	}
	slices.SortFunc(out, func(a, b Bucket) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		fa, fb := firstFrame(a.Stack), firstFrame(b.Stack)
		if c := cmp.Compare(fa.Func, fb.Func); c != 0 {
			return c
		}
		if c := cmp.Compare(fa.File, fb.File); c != 0 {
			return c
		}
		if c := cmp.Compare(fa.Line, fb.Line); c != 0 {
			return c
		}
		if c := cmp.Compare(a.State, b.State); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Signature, b.Signature); c != 0 {
			return c
		}
		return cmp.Compare(a.Goroutines[0], b.Goroutines[0])
	})
	return out
}

func firstFrame(s *Stack) Frame {
	if s == nil || len(s.Frames) == 0 {
		return Frame{}
	}
	return s.Frames[0]
}

func sameLabels(a, b []Label) bool {
	if len(a) > 0 && len(b) > 0 && &a[0] == &b[0] && len(a) == len(b) {
		return true
	}
	return slices.Equal(a, b)
}

func appendFrame(b []byte, f Frame) []byte {
	b = append(b, f.Func...)
	b = append(b, 0)
	b = append(b, f.File...)
	b = append(b, ':')
	return strconv.AppendInt(b, int64(f.Line), 10)
}

// sigFrames returns the frames compared at a similarity level and whether
// the elided count is compared too.
func sigFrames(s *Stack, sim Similarity, top int) ([]Frame, bool) {
	if s == nil {
		return nil, false
	}
	frames := s.Frames
	if sim == SimilarityTop && len(frames) > top {
		return frames[:top], false
	}
	return frames, sim != SimilarityFunc
}

// stackHash hashes what stackSig holds, without building it.
func stackHash(seed maphash.Seed, s *Stack, sim Similarity, top int) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	frames, elided := sigFrames(s, sim, top)
	var num [8]byte
	for _, f := range frames {
		h.WriteString(f.Func)
		if sim != SimilarityFunc {
			h.WriteByte(0)
			h.WriteString(f.File)
			binary.LittleEndian.PutUint64(num[:], uint64(f.Line))
			h.Write(num[:])
		}
		h.WriteByte('\n')
	}
	if elided {
		binary.LittleEndian.PutUint64(num[:], uint64(s.Elided))
		h.Write(num[:])
	}
	return h.Sum64()
}

// sameSig reports whether stackSig(a) == stackSig(b), without building them.
func sameSig(a, b *Stack, sim Similarity, top int) bool {
	if a == b {
		return true
	}
	fa, ea := sigFrames(a, sim, top)
	fb, eb := sigFrames(b, sim, top)
	if len(fa) != len(fb) || ea != eb || ea && a.Elided != b.Elided {
		return false
	}
	for i := range fa {
		if fa[i].Func != fb[i].Func || sim != SimilarityFunc && (fa[i].File != fb[i].File || fa[i].Line != fb[i].Line) {
			return false
		}
	}
	return true
}

// stackSig is the text a stack is compared by at a similarity level.
func stackSig(s *Stack, sim Similarity, top int) string {
	return string(appendSig(nil, s, sim, top))
}

// appendSig appends stackSig's text to b.
func appendSig(b []byte, s *Stack, sim Similarity, top int) []byte {
	if s == nil {
		return b
	}
	frames := s.Frames
	if sim == SimilarityTop && len(frames) > top {
		frames = frames[:top]
	}
	for _, f := range frames {
		if sim != SimilarityFunc {
			b = appendFrame(b, f)
		} else {
			b = append(b, f.Func...)
		}
		b = append(b, '\n')
	}
	if sim == SimilarityExact || (sim == SimilarityTop && len(s.Frames) <= top) {
		b = append(b, "elided "...)
		b = strconv.AppendInt(b, int64(s.Elided), 10)
	}
	return b
}
