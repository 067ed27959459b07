package leaks

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/stack"
)

// Options tune Find and Analyze. The zero value is the documented default.
type Options struct {
	// Filter keeps only goroutines with a frame function, frame file:line,
	// creator, state, operation or label ("key=value") that matches. Nil
	// keeps all. Used by Analyze (Find judges what it is given).
	Filter *regexp.Regexp
	// Top is how many buckets the top-buckets table lists (0 = DefaultTop)
	// and the diff table (0 = DefaultDiffTop); negative lists all. Used by
	// Analyze's sections.
	Top int
	// All makes Result.Findings report every bucket, benign and active ones
	// too (as info findings); by default only suspects and leaks. Used by
	// Analyze's Result.
	// Similarity and TopFrames decide which goroutines share a bucket (see
	// stack.GroupOptions); the default groups by every frame's file:line.
	Similarity stack.Similarity
	TopFrames  int
	All        bool
	// Leaked is Go's goroutineleak profile taken at the same moment as the
	// snapshot: buckets whose stacks it lists are proven leaks. Analyze
	// sets it from Input.Leaked.
	Leaked *stack.Snapshot
	// History is the result of Diff over earlier snapshots ending with the one judged
	// (see Diff); it adds growth and age evidence. It must have been made
	// with the same Similarity and TopFrames. Analyze sets it from
	// Input.Samples.
	History *History
	// Ignore are the user's rules: matching buckets get the verdict Benign
	// with Finding.Ignored set, whatever the other evidence says.
	Ignore []Rule
	// Benign are extra known idle patterns, checked after the built-in
	// table (see BenignRules) unless NoDefaultBenign is set.
	Benign          []Rule
	NoDefaultBenign bool
	// PileUp is the count from which goroutines of one creation site in user
	// code blocked at one operation in user code are a weak sign of a leak
	// (0 = DefaultPileUp); PileUpLarge makes it a strong sign (0 =
	// PileUpLargeFactor × PileUp, 500 by default).
	PileUp, PileUpLarge int
	// LongWait is the wait, as printed by the runtime or implied by
	// goroutine ids that did not move between snapshots, that is a strong
	// sign of a leak (0 = DefaultLongWait). Waits of a minute or more are a
	// weak sign.
	LongWait time.Duration
	// MainModules are the module paths of the service's own code (from the
	// build info in a bundle, or a flag). A finding then points at their
	// innermost frame rather than at a third-party library the service
	// calls (a router's middleware, a driver). Empty: the innermost frame
	// outside the standard library.
	MainModules []string
	// Quiescent says the snapshot was taken when the program should have no
	// work in flight (the end of a test, after shutdown, after load has
	// stopped and drained): every goroutine blocked on a channel or sync
	// operation in user code is then a strong sign of a leak.
	Quiescent bool
}

// Defaults of Options; the CLI's flags take theirs from here.
const (
	// DefaultTop is the number of buckets the top-buckets table lists.
	DefaultTop = 10
	// DefaultDiffTop is the number of buckets the diff table lists.
	DefaultDiffTop = 20
	// DefaultPileUp is the pile-up that is a weak sign of a leak.
	DefaultPileUp = 10
	// PileUpLargeFactor × PileUp is the default pile-up that is a strong
	// sign.
	PileUpLargeFactor = 50
	// DefaultLongWait is the wait that is a strong sign of a leak.
	DefaultLongWait = 10 * time.Minute
)

// top returns how many rows a table lists: def for 0, all for negative.
func (o Options) top(def int) int {
	switch {
	case o.Top == 0:
		return def
	case o.Top < 0:
		return int(^uint(0) >> 1)
	}
	return o.Top
}

func (o Options) pileUp() int      { return orInt(o.PileUp, DefaultPileUp) }
func (o Options) pileUpLarge() int { return orInt(o.PileUpLarge, PileUpLargeFactor*o.pileUp()) }
func (o Options) longWait() time.Duration {
	if o.LongWait > 0 {
		return o.LongWait
	}
	return DefaultLongWait
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// Finding is the verdict on one bucket of goroutines and the evidence for it.
type Finding struct {
	// Check is the stable check ID of the pattern (CheckChanSend, …).
	Check    string
	Verdict  Verdict
	Severity report.Severity
	// Op is the blocking operation, State the wait reason as printed.
	Op    stack.Op
	State string
	// Count is the number of goroutines; IDs their ids where the input has
	// them.
	Count int
	IDs   []int64
	// MinWait and MaxWait bound the printed wait (0 = under a minute or not
	// printed).
	MinWait, MaxWait time.Duration
	// Blocking is the frame where the goroutines block: the first frame
	// outside the runtime and the standard library, else the first outside
	// the runtime, else the top frame.
	Blocking stack.Frame
	// CreatedBy is the go statement that started them.
	CreatedBy stack.Frame
	// Labels are the bucket's labels when buckets are split by label;
	// LabelSets count the goroutines by label set, largest first (nil when
	// none is labelled).
	Labels    []stack.Label
	LabelSets []LabelSet
	// Stack is the first goroutine's stack; Signature the bucket signature
	// (stable across snapshots).
	Stack     *stack.Stack
	Signature string
	// Evidence lists the facts behind the verdict, strongest first.
	Evidence []Evidence
	// Rule is the benign or ignore rule that matched, "" if none; Ignored
	// says it was one of Options.Ignore.
	Rule    string
	Ignored bool
	// Proven is how many of the goroutines the runtime proved leaked
	// (goroutineleak profile or "(leaked)" flag).
	Proven int
	// Growth is the bucket's history when Options.History was given.
	Growth *BucketHistory
	// StackBytesMin is a lower bound of the stack memory the goroutines
	// hold: Count × 2 KiB, the smallest stack the runtime allocates.
	StackBytesMin int64
	// Suggestion is the concrete change proposed for the pattern.
	Suggestion string
}

// minStackBytes is the smallest goroutine stack the runtime allocates.
const minStackBytes = 2048

// Find judges every bucket of goroutines in snap and returns one Finding per
// bucket, most important first: by verdict (strongest first), severity,
// count (largest first), blocking function and line, then signature. It
// never fails; a nil or empty snapshot gives no findings. Find is a pure
// function: it reads no clock and does no I/O; it is safe for concurrent
// use. Cost: linear in the number of goroutines plus the rules times the
// number of buckets (about 20 ms for a 3,259-goroutine dump in 955 buckets).
func Find(snap *stack.Snapshot, opts Options) []Finding {
	if snap == nil || len(snap.Goroutines) == 0 {
		return nil
	}
	gs := snap.Goroutines
	if snap.Goleak {
		// goleak listed these goroutines because they outlived a test:
		// the program was meant to be idle.
		opts.Quiescent = true
	}
	buckets := stack.Group(gs, stack.GroupOptions{Similarity: opts.Similarity, TopFrames: opts.TopFrames})
	benign := opts.Benign
	if !opts.NoDefaultBenign {
		benign = append(BenignRules(), opts.Benign...)
	}
	proof := newProfileIndex(opts.Leaked)
	// Goroutines marked "(leaked)" are the profile's own, when a dump
	// taken after the profile comes with it: they use up its counts first
	// so that no other goroutine at their stack is proven in their place.
	for i := range gs {
		if gs[i].Flags&stack.FlagLeaked != 0 {
			proof.take(gs[i].Stack, gs[i].Count)
		}
	}
	var hist map[string]*BucketHistory
	if opts.History != nil {
		hist = make(map[string]*BucketHistory, len(opts.History.Buckets))
		for i := range opts.History.Buckets {
			bd := &opts.History.Buckets[i]
			hist[bd.Signature] = bd
		}
	}
	live := make(map[int64]int, len(gs)) // goroutine id → index in gs
	for i := range gs {
		if gs[i].ID != 0 {
			live[gs[i].ID] = i
		}
	}
	sf := &snapshotFacts{gs: gs, opts: opts, goleak: snap.Goleak, benign: benign, proof: proof, live: live,
		deadlocked: strings.Contains(snap.Reason, "all goroutines are asleep"), bodies: newBodyFacts(gs),
		once: newOnceFacts(gs)}
	out := make([]Finding, 0, len(buckets))
	for i := range buckets {
		b := &buckets[i]
		for _, part := range splitProven(sf, b) {
			out = append(out, judge(sf, &part.b, hist[b.Signature], part.proof))
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(b.Verdict, a.Verdict); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Blocking.Func, b.Blocking.Func); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Blocking.Line, b.Blocking.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Signature, b.Signature)
	})
	return out
}

// opClass sorts operations by what they can tell about leaks.
type opClass uint8

const (
	classActive    opClass = iota // running, syscall, runtime work
	classSync                     // channel and sync waits that can last forever
	classIO                       // network and file IO
	classTransient                // sleeps and timers: they end by themselves
)

func classOf(op stack.Op) opClass {
	switch op {
	case stack.OpChanReceive, stack.OpChanSend, stack.OpChanReceiveNil, stack.OpChanSendNil, stack.OpSelect,
		stack.OpSelectNoCases, stack.OpMutex, stack.OpRWMutexRLock, stack.OpRWMutexLock, stack.OpWaitGroup,
		stack.OpCond, stack.OpSemaphore:
		return classSync
	case stack.OpNetIO, stack.OpFileIO:
		return classIO
	case stack.OpSleep, stack.OpTimer:
		return classTransient
	}
	return classActive
}

// blockingFrame returns where a stack blocks: the frame the user can change
// (stack.Stack.FirstUserIn: the main module's, else the first outside the
// runtime and the standard library), else the first outside the runtime,
// else the top frame. Its second result says the first case held.
func blockingFrame(s *stack.Stack, mainModules []string) (stack.Frame, bool) {
	if s == nil || len(s.Frames) == 0 {
		return stack.Frame{}, false
	}
	if f, ok := s.FirstUserIn(mainModules); ok {
		return f, true
	}
	for _, f := range s.Frames {
		if !f.IsRuntime() {
			return f, false
		}
	}
	return s.Frames[0], false
}

// directUser reports whether the operation a stack blocks in is written in
// user code: the first frame outside the runtime and package sync is outside
// the standard library. A user function waiting inside net/http's client (a
// select in persistConn.roundTrip) is not: the library has its own timeouts.
func directUser(s *stack.Stack) bool {
	if s == nil {
		return false
	}
	for _, f := range s.Frames {
		if f.IsRuntime() {
			continue
		}
		switch f.Package() {
		case "sync", "sync/atomic":
			continue
		}
		return !f.IsStdlib()
	}
	return false
}

// isHTTPBodyWait reports a client connection reader waiting for its
// response body to be consumed (a select in persistConn.readLoop).
func isHTTPBodyWait(s *stack.Stack, op stack.Op) bool {
	if op != stack.OpSelect || s == nil {
		return false
	}
	for _, f := range s.Frames {
		if f.Func == "net/http.(*persistConn).readLoop" {
			return true
		}
		if !f.IsStdlib() {
			return false
		}
	}
	return false
}

// snapshotFacts are what Find knows about the whole snapshot when it judges
// one bucket.
type snapshotFacts struct {
	gs         []stack.Goroutine
	opts       Options
	goleak     bool // the goroutines come from goleak's failure message
	benign     []Rule
	proof      *profileIndex
	live       map[int64]int // goroutine id → index in gs
	deadlocked bool          // the dump is the runtime's deadlock crash
	bodies     bodyFacts     // HTTP client connections waiting for their bodies
	once       onceFacts     // goroutines waiting for a sync.Once
}

// quiescentText says why what is still there at a quiescent point
// ("blocked in user code") counts.
func (sf *snapshotFacts) quiescentText(what string) string {
	if sf.goleak {
		return what + " when the test ended: goleak still found them after its retries"
	}
	return what + " although the program should be idle"
}

// proof is what the runtime proved of a bucket: goroutines marked
// "(leaked)", goroutines the goroutineleak profile lists, and, when the
// bucket is the proven or the unproven part of a split one, the size of
// the other part.
type proof struct {
	flagged, profiled int
	// provenApart is the number of goroutines at this stack proven leaked
	// and reported in a finding of their own; unprovenApart the number
	// not proven, reported apart.
	provenApart, unprovenApart int
	// unknownWhich says the split is by the profile's count: which
	// goroutines of the dump are the leaked ones is not known.
	unknownWhich bool
}

// provenPart is one part of a bucket and what was proven of it.
type provenPart struct {
	b     stack.Bucket
	proof proof
}

// splitProven returns the bucket whole with its proof, or, when the
// runtime proved only some of its goroutines leaked, two parts judged
// apart: the proven goroutines and the rest. Goroutines marked "(leaked)"
// are split off by themselves; a count from the goroutineleak profile
// splits the count only, since a profile does not say which goroutines of
// the dump it lists.
func splitProven(sf *snapshotFacts, b *stack.Bucket) []provenPart {
	var p proof
	var flaggedIdx, rest []int
	for _, gi := range b.Goroutines {
		g := &sf.gs[gi]
		if g.Flags&stack.FlagLeaked != 0 {
			p.flagged += g.Count
			flaggedIdx = append(flaggedIdx, gi)
			continue
		}
		rest = append(rest, gi)
		p.profiled += sf.proof.take(g.Stack, g.Count)
	}
	proven := p.flagged + p.profiled
	if proven == 0 || proven >= b.Count {
		return []provenPart{{*b, p}}
	}
	pb := subBucket(b, sf.gs, flaggedIdx)
	rb := subBucket(b, sf.gs, rest)
	if p.profiled > 0 {
		if len(flaggedIdx) == 0 {
			// Judged by the goroutines it stands for: rules and
			// evidence look at them.
			pb.Goroutines, pb.MinWait, pb.MaxWait, pb.Flags = rb.Goroutines, rb.MinWait, rb.MaxWait, rb.Flags
		}
		pb.Count += p.profiled
		rb.Count -= p.profiled
		rb.IDs = nil
	}
	unproven := b.Count - proven
	return []provenPart{
		{pb, proof{flagged: p.flagged, profiled: p.profiled, unprovenApart: unproven, unknownWhich: p.profiled > 0}},
		{rb, proof{provenApart: proven, unknownWhich: p.profiled > 0}},
	}
}

// LabelSet is how many goroutines of a finding carry one pprof label set
// (Labels nil: none).
type LabelSet struct {
	Labels []stack.Label
	Count  int
}

// labelSets counts a bucket's goroutines by label set, largest first (ties
// in label order); nil when none has labels.
func labelSets(gs []stack.Goroutine, b *stack.Bucket) []LabelSet {
	var out []LabelSet
	idx := map[string]int{}
	labelled := false
	for _, gi := range b.Goroutines {
		g := &gs[gi]
		labelled = labelled || len(g.Labels) > 0
		k := labelKey(g.Labels)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, LabelSet{Labels: g.Labels})
		}
		out[i].Count += g.Count
	}
	if !labelled {
		return nil
	}
	sortLabelSets(out)
	return out
}

// labelKey is a map key for a label set.
func labelKey(ls []stack.Label) string {
	var sb strings.Builder
	for _, l := range ls {
		sb.WriteString(l.Key)
		sb.WriteByte(0)
		sb.WriteString(l.Value)
		sb.WriteByte(0)
	}
	return sb.String()
}

func sortLabelSets(ls []LabelSet) {
	slices.SortStableFunc(ls, func(a, b LabelSet) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(labelKey(a.Labels), labelKey(b.Labels))
	})
}

// subBucket is b restricted to the goroutines idx (indexes into gs).
func subBucket(b *stack.Bucket, gs []stack.Goroutine, idx []int) stack.Bucket {
	s := *b
	s.Goroutines, s.IDs, s.Count, s.MinWait, s.MaxWait = idx, nil, 0, 0, 0
	for i, gi := range idx {
		g := &gs[gi]
		s.Count += g.Count
		if g.ID != 0 {
			s.IDs = append(s.IDs, g.ID)
		}
		if i == 0 {
			s.MinWait, s.MaxWait, s.Flags = g.Wait, g.Wait, g.Flags
		}
		s.MinWait, s.MaxWait, s.Flags = min(s.MinWait, g.Wait), max(s.MaxWait, g.Wait), s.Flags&g.Flags
	}
	return s
}

func judge(sf *snapshotFacts, b *stack.Bucket, bd *BucketHistory, pr proof) Finding {
	gs, opts, benign, index, live, deadlocked := sf.gs, sf.opts, sf.benign, sf.proof, sf.live, sf.deadlocked
	minGrowth := 1
	if opts.History != nil {
		minGrowth = max(opts.History.MinGrowth, 1)
	}
	blocking, inUser := blockingFrame(b.Stack, opts.MainModules)
	direct := directUser(b.Stack)
	f := Finding{
		Op: b.Op, State: b.State, Count: b.Count, IDs: b.IDs, MinWait: b.MinWait, MaxWait: b.MaxWait,
		Blocking: blocking, CreatedBy: b.CreationSite(gs), Labels: b.Labels, Stack: b.Stack, Signature: b.Signature,
		Growth: bd, StackBytesMin: int64(b.Count) * minStackBytes, LabelSets: labelSets(gs, b),
	}
	f.Check = checkFor(b.Op)
	if isHTTPBodyWait(b.Stack, b.Op) {
		f.Check = CheckHTTPBodyNotClosed
	}
	f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceBlocked, Text: blockedText(b, blocking, f.CreatedBy)})

	// User ignore rules win over everything.
	for i := range opts.Ignore {
		if matchBucket(&opts.Ignore[i], gs, b) {
			f.Verdict, f.Rule, f.Ignored = Benign, opts.Ignore[i].Name, true
			f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceBenign, Text: "ignored by rule " + opts.Ignore[i].Name})
			return finish(f, opts)
		}
	}

	// Proof: the runtime's leak detection (counted by splitProven).
	flagged, profiled := pr.flagged, pr.profiled
	if flagged > 0 {
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceLeakedFlag,
			Text: fmt.Sprintf("the runtime marked %s of %s goroutines \"(leaked)\": nothing reachable can wake them", units.Thousands(flagged), units.Thousands(b.Count))})
	}
	if profiled > 0 {
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceProfile,
			Text: fmt.Sprintf("the goroutineleak profile lists this stack (%s of %s goroutines): nothing reachable can wake them", units.Thousands(profiled), units.Thousands(b.Count))})
	}
	switch {
	case pr.unprovenApart > 0 && pr.unknownWhich:
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceBlocked,
			Text: fmt.Sprintf("%s more goroutines at this stack are not in the profile and are judged apart; a profile does not say which goroutines of the dump it lists (a dump taken after it marks them \"(leaked)\")", units.Thousands(pr.unprovenApart))})
	case pr.unprovenApart > 0:
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceBlocked,
			Text: fmt.Sprintf("%s more goroutines at this stack were not marked \"(leaked)\" and are judged apart", units.Thousands(pr.unprovenApart))})
	case pr.provenApart > 0:
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceBlocked,
			Text: fmt.Sprintf("%s more goroutines at this stack were proven leaked and are reported apart; these were not", units.Thousands(pr.provenApart))})
	}
	if deadlocked && classOf(b.Op) == classSync && flagged+profiled == 0 {
		// The runtime stopped the program because nothing could run.
		profiled = b.Count
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceDeadlock,
			Text: "the runtime stopped the program: \"all goroutines are asleep - deadlock!\""})
	}
	f.Proven = flagged + profiled
	if f.Proven > 0 {
		f.Verdict = Proven
		if classOf(b.Op) != classSync {
			f.Check = CheckProven
		}
		addHistory(&f, bd, minGrowth, b, false)
		return finish(f, opts)
	}

	// A client connection writer whose reader waits for a body nobody
	// reads is held by that body, not idle. Writers share one stack,
	// idle or not: only a bucket made (90%) of such writers is judged so.
	if n := bodyWriters(&sf.bodies, gs, b); n > 0 && n*10 >= b.Count*9 && sf.bodies.unread() > 0 {
		f.Check = CheckHTTPBodyNotClosed
		points, _ := bodyEvidence(&f, sf, b, n, true)
		points += addHistory(&f, bd, minGrowth, b, true)
		switch {
		case points >= 2:
			f.Verdict = Likely
		case points == 1:
			f.Verdict = Suspect
		default:
			f.Verdict = Benign
		}
		return finish(f, opts)
	}

	// Known idle patterns.
	for i := range benign {
		if matchBucket(&benign[i], gs, b) {
			f.Verdict, f.Rule = Benign, benign[i].Name
			f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceBenign, Text: "known idle pattern: " + benign[i].Name})
			if pts := addHistory(&f, bd, minGrowth, b, true); pts >= 2 {
				// A benign pattern that keeps growing is a leak of its
				// owner (a new http.Transport per request, a server per
				// call): say so, but only as a suspicion.
				f.Verdict = Suspect
			}
			return finish(f, opts)
		}
	}

	if b.Op.Forever() {
		f.Verdict = Proven
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceForever,
			Text: fmt.Sprintf("%s can never complete", b.Op)})
		addHistory(&f, bd, minGrowth, b, false)
		return finish(f, opts)
	}

	class := classOf(b.Op)
	points := 0
	switch class {
	case classSync:
		if f.Check == CheckHTTPBodyNotClosed {
			// A client connection waiting for its response body: held
			// by the body, unless a goroutine is reading it.
			p, inFlight := bodyEvidence(&f, sf, b, b.Count, false)
			if !inFlight {
				points += p + waitEvidence(&f, b, opts)
			}
			points += addHistory(&f, bd, minGrowth, b, inFlight)
			break
		}
		points += waitEvidence(&f, b, opts)
		points += pileUpEvidence(&f, b, direct, opts)
		if direct {
			points += orphanEvidence(&f, gs, b, live)
		}
		if attached(&f, gs, b, live) {
			points = min(points, 1)
		}
		// A Once nobody can release is stuck whoever started it.
		points += onceEvidence(&f, sf, b)
		if opts.Quiescent && inUser {
			points += 2
			f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceQuiescent, Weight: 2,
				Text: sf.quiescentText("blocked in user code")})
		}
		points += addHistory(&f, bd, minGrowth, b, false)
	case classIO:
		// Long-lived connections wait in IO for hours by design: only
		// growth makes IO a leak; a long wait with a pile-up is a suspicion.
		w := waitEvidence(&f, b, opts)
		p := pileUpEvidence(&f, b, inUser, opts)
		if w > 0 && p > 0 {
			points = 1
		}
		if h := addHistory(&f, bd, minGrowth, b, true); h >= 2 {
			points = 2
		} else if h > 0 && points == 0 {
			points = 1
		}
	default:
		// Running, sleeping and runtime goroutines make progress; only
		// sustained growth makes them a leak.
		if h := addHistory(&f, bd, minGrowth, b, true); h >= 2 {
			points = 2
			f.Check = CheckGrowth
		}
	}
	if bd != nil && bd.Tracked > 0 && bd.Survivors == 0 && bd.Counts[len(bd.Counts)-1] > 0 {
		// Every goroutine of this bucket in earlier snapshots has gone: a
		// pile-up here is load, not a leak.
		points = min(points, 1)
	}
	if index.total > 0 && class == classSync && points > 0 {
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceProfile,
			Text: "not in the goroutineleak profile: what they wait on is still reachable (the profile cannot see leaks held by globals, timers or live goroutines)"})
	}
	switch {
	case points >= 2:
		f.Verdict = Likely
	case points == 1:
		f.Verdict = Suspect
	case class == classActive || class == classTransient:
		f.Verdict = Active
	default:
		f.Verdict = Benign
	}
	return finish(f, opts)
}

// matchBucket reports whether r matches the bucket's first goroutine (all
// goroutines of an exact bucket share stack, creator and labels).
func matchBucket(r *Rule, gs []stack.Goroutine, b *stack.Bucket) bool {
	g := &gs[b.Goroutines[0]]
	return r.Match(g.Stack, g.CreatedBy, g.Labels, b.Op)
}

func waitEvidence(f *Finding, b *stack.Bucket, opts Options) int {
	switch {
	case b.MaxWait >= opts.longWait():
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceWait, Weight: 2, Text: "blocked for " + units.WaitRange(b.MinWait, b.MaxWait)})
		return 2
	case b.MaxWait >= time.Minute:
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceWait, Weight: 1, Text: "blocked for " + units.WaitRange(b.MinWait, b.MaxWait)})
		return 1
	}
	return 0
}

// pileUpEvidence weighs many goroutines of one creation site in user code
// blocked at one place; inUser says the place is in user code (for channel
// and sync waits: the operation itself, see directUser).
func pileUpEvidence(f *Finding, b *stack.Bucket, inUser bool, opts Options) int {
	// Goroutines the standard library starts (net/http's per-connection
	// ones) pile up with load; client connections held by unread bodies
	// are weighed by bodyEvidence.
	if !inUser || f.CreatedBy.Func == "" || f.CreatedBy.IsStdlib() {
		return 0
	}
	w := 0
	switch {
	case b.Count >= opts.pileUpLarge():
		w = 2
	case b.Count >= opts.pileUp():
		w = 1
	default:
		return 0
	}
	text := fmt.Sprintf("%s goroutines from one creation site (%s) blocked at one place in user code", units.Thousands(b.Count), frameText(f.CreatedBy))
	f.Evidence = append(f.Evidence, Evidence{Kind: EvidencePileUp, Weight: w, Text: text})
	return w
}

// minOrphanParents is how many distinct creator goroutines, most of them
// gone or moved on, make goroutines of one bucket "orphans".
const minOrphanParents = 5

// orphanEvidence weighs goroutines started by many different goroutines
// that have exited since, or returned from the function whose go statement
// started them (one per request or per task): the goroutines outlived the
// work that started them, which idle pool workers (started together by one
// goroutine) do not. A parent still inside the creating function may be
// waiting for the child of its current call, so one child per such parent
// is not counted.
func orphanEvidence(f *Finding, gs []stack.Goroutine, b *stack.Bucket, live map[int64]int) int {
	creator := f.CreatedBy.Func
	children := map[int64]int{}
	withParent := 0
	for _, gi := range b.Goroutines {
		if p := gs[gi].ParentID; p != 0 {
			children[p] += gs[gi].Count
			withParent += gs[gi].Count
		}
	}
	if len(children) < minOrphanParents {
		return abandonedSender(f, gs, b, live, children)
	}
	gone, outlived := 0, 0
	for p, n := range children {
		pi, ok := live[p]
		switch {
		case !ok:
			gone++
			outlived += n
		case creator == "" || !onStack(gs[pi].Stack, creator):
			outlived += n
		default:
			outlived += n - 1
		}
	}
	if 2*outlived < withParent {
		return 0
	}
	f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceOrphaned, Weight: 1,
		Text: fmt.Sprintf("%s of them outlived the call that started them: started by %s different goroutines (%s exited since), which have returned from %s or started another one since",
			units.Thousands(outlived), units.Thousands(len(children)), units.Thousands(gone), creator)})
	return 1
}

// abandonedSender weighs senders whose creating call has returned in every
// goroutine that started them: a result channel made by that call has no
// receiver left (the most common leak: the caller timed out). Only sends
// count: idle workers wait to receive in exactly this shape.
func abandonedSender(f *Finding, gs []stack.Goroutine, b *stack.Bucket, live map[int64]int, children map[int64]int) int {
	creator := f.CreatedBy.Func
	if b.Op != stack.OpChanSend || creator == "" || len(children) == 0 {
		return 0
	}
	for p := range children {
		if pi, ok := live[p]; ok && onStack(gs[pi].Stack, creator) {
			return 0
		}
	}
	f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceOrphaned, Weight: 1,
		Text: fmt.Sprintf("every goroutine that started them has returned from %s since: no receiver is left in that call", creator)})
	return 1
}

// attached reports (and notes as evidence) goroutines that each belong to
// a call still running: their parent is alive, still inside the function
// whose go statement started them, and started only this one of them (a
// connection's writer next to its reader, a helper a running call waits
// for). They end with their owner; a long wait there is the owner's, so the
// bucket is at most a suspect.
func attached(f *Finding, gs []stack.Goroutine, b *stack.Bucket, live map[int64]int) bool {
	creator := f.CreatedBy.Func
	if creator == "" {
		return false
	}
	children := map[int64]int{}
	withParent := 0
	for _, gi := range b.Goroutines {
		if p := gs[gi].ParentID; p != 0 {
			children[p] += gs[gi].Count
			withParent += gs[gi].Count
		}
	}
	if withParent == 0 || withParent*10 < b.Count*9 {
		return false
	}
	owned := 0
	for p, n := range children {
		if pi, ok := live[p]; ok && n == 1 && onStack(gs[pi].Stack, creator) {
			owned++
		}
	}
	if owned*10 < withParent*9 {
		return false
	}
	f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceOwned,
		Text: fmt.Sprintf("each was started by a call of %s that is still running (one per call): they end with their owner", creator)})
	return true
}

// onStack reports whether fn is one of the stack's functions.
func onStack(s *stack.Stack, fn string) bool {
	if s == nil {
		return false
	}
	for _, f := range s.Frames {
		if f.Func == fn {
			return true
		}
	}
	return false
}

// addHistory adds growth and age evidence from the bucket's history and
// returns its weight. When growthOnly is set only sustained growth counts
// (age says nothing for goroutines that are idle by design).
func addHistory(f *Finding, bd *BucketHistory, minGrowth int, b *stack.Bucket, growthOnly bool) int {
	if bd == nil {
		return 0
	}
	points := 0
	n := len(bd.Counts)
	// Growth counts when it is large enough and still going on: a bucket
	// that filled up and then stayed flat is a pool that reached its size.
	if n >= 2 && bd.Growth >= minGrowth && bd.GrowingNow {
		// Sustained growth is strong when the goroutines that were here
		// stayed (leaked goroutines never leave; 10% may have been caught
		// awake, like a leaked ticker loop at its tick) or the input has no
		// ids; a bucket whose members come and go grows with load.
		w := 1
		churned := bd.Tracked > 0 && bd.Survivors == 0
		switch {
		case churned:
			w = 0 // every goroutine seen here before has moved on
		case bd.Sustained && bd.Left*10 <= bd.Tracked:
			w = 2
		}
		if growthOnly && !bd.Sustained {
			w = 0
		}
		text := growthText(bd)
		if churned {
			text += fmt.Sprintf("; but all %s goroutines seen here before have moved on: the bucket grows with load, its goroutines finish", units.Thousands(bd.Tracked))
		} else if bd.Left > 0 {
			text += fmt.Sprintf("; %s of its goroutines left it in between (they make progress)", units.Thousands(bd.Left))
		}
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceGrowth, Weight: w, Text: text})
		points += w
	}
	if !growthOnly && bd.Survivors > 0 {
		// Descriptive: a pool worker that took a job and came back has
		// the same id in the same bucket; the printed wait tells them apart.
		text := fmt.Sprintf("%s of these goroutines (same ids) were in this bucket %d snapshot(s) earlier", units.Thousands(bd.Survivors), n-1-bd.SurvivorsSince)
		if bd.MaxAge > 0 {
			text = fmt.Sprintf("%s of these goroutines (same ids) were in this bucket before: they are at least %s old (the oldest %s)",
				units.Thousands(bd.Survivors), units.Wait(bd.MinAge), units.Wait(bd.MaxAge))
		}
		f.Evidence = append(f.Evidence, Evidence{Kind: EvidenceAge, Text: text})
	}
	return points
}

// finish sets severity and suggestion and orders the evidence.
func finish(f Finding, opts Options) Finding {
	switch f.Verdict {
	case Proven:
		f.Severity = report.SeverityCritical
	case Likely:
		f.Severity = report.SeverityHigh
		if f.Count >= opts.pileUpLarge() || (f.Growth != nil && f.Growth.Sustained) {
			f.Severity = report.SeverityCritical
		}
	case Suspect:
		f.Severity = report.SeverityLow
		if f.Count >= opts.pileUp() {
			f.Severity = report.SeverityMedium
		}
	default:
		f.Severity = report.SeverityInfo
	}
	if f.Check == CheckGrowth && f.Verdict < Suspect {
		f.Check = CheckActive
	}
	f.Suggestion = suggestion(f.Check)
	slices.SortStableFunc(f.Evidence, func(a, b Evidence) int {
		return cmp.Compare(evidenceRank(b), evidenceRank(a))
	})
	return f
}

func evidenceRank(e Evidence) int {
	switch e.Kind {
	case EvidenceLeakedFlag, EvidenceProfile, EvidenceForever, EvidenceDeadlock:
		return 10
	case EvidenceBlocked:
		return -1
	}
	return e.Weight
}

func blockedText(b *stack.Bucket, where, created stack.Frame) string {
	state := b.State
	if state == "" {
		state = b.Op.String()
	}
	s := fmt.Sprintf("%s in %s", state, frameText(where))
	if created.Func != "" {
		s += ", created by " + frameText(created)
	}
	return s
}

func frameText(f stack.Frame) string {
	if f.File == "" {
		return f.Func
	}
	return f.Func + " at " + f.Location()
}

func growthText(bd *BucketHistory) string {
	counts := make([]string, len(bd.Counts))
	for i, c := range bd.Counts {
		counts[i] = units.Thousands(c)
	}
	s := "count over snapshots: " + strings.Join(counts, " → ")
	if bd.PerMinute > 0 {
		s += fmt.Sprintf(" (+%.1f/min)", bd.PerMinute)
	}
	if bd.Sustained {
		s += fmt.Sprintf(", rising in each of %d snapshots", len(bd.Counts))
	}
	return s
}
