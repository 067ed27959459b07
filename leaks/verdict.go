package leaks

import "fmt"

// Verdict says how certain Find is that a bucket of goroutines leaked.
// Verdicts are ordered: a higher value is a stronger claim.
type Verdict uint8

// Verdicts, weakest first.
const (
	// Active goroutines are running, runnable, in a system call or doing
	// runtime work: they make progress.
	Active Verdict = iota
	// Benign goroutines are blocked in a known idle pattern (a server's
	// accept loop, an idle keep-alive connection, a GC worker) or blocked
	// with nothing that points to a leak.
	Benign
	// Suspect goroutines are blocked in a pattern that often leaks, with
	// some but not enough evidence (a pile-up, a wait over a minute,
	// growth between two snapshots).
	Suspect
	// Likely goroutines are blocked with strong evidence of a leak: a long
	// wait, sustained growth, a large pile-up from one creation site, or
	// two weaker signs together.
	Likely
	// Proven goroutines can never finish: the runtime's goroutineleak
	// profile (or the "(leaked)" header flag) says so, or they wait on a
	// nil channel or in select {}.
	Proven
)

// String returns the stable kebab-case name used in reports and JSON:
// "active", "blocked-benign", "suspect", "likely-leak", "proven-leak".
func (v Verdict) String() string {
	switch v {
	case Active:
		return "active"
	case Benign:
		return "blocked-benign"
	case Suspect:
		return "suspect"
	case Likely:
		return "likely-leak"
	case Proven:
		return "proven-leak"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// ParseVerdict parses the names String returns.
func ParseVerdict(s string) (Verdict, error) {
	for v := Active; v <= Proven; v++ {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("leaks: unknown verdict %q (want active, blocked-benign, suspect, likely-leak or proven-leak)", s)
}

// IsLeak reports whether the verdict claims a leak (likely or proven).
func (v Verdict) IsLeak() bool { return v >= Likely }

// EvidenceKind names one kind of fact that Find weighs.
type EvidenceKind uint8

// Kinds of evidence.
const (
	// EvidenceProfile: the runtime's goroutineleak profile lists the stack.
	EvidenceProfile EvidenceKind = iota + 1
	// EvidenceLeakedFlag: the dump's header says "(leaked)" (Go 1.26 leak
	// detection ran before the dump).
	EvidenceLeakedFlag
	// EvidenceForever: a nil channel operation or select {}: it can never
	// complete.
	EvidenceForever
	// EvidenceWait: the runtime printed how long the goroutines have been
	// blocked (", N minutes").
	EvidenceWait
	// EvidencePileUp: many goroutines from one creation site in user code
	// block at one operation in user code.
	EvidencePileUp
	// EvidenceGrowth: the bucket grew between snapshots.
	EvidenceGrowth
	// EvidenceAge: the same goroutine ids sat in the same bucket in an
	// earlier snapshot, so they have not moved for at least that long.
	EvidenceAge
	// EvidenceQuiescent: the caller says the program should be idle
	// (Options.Quiescent) yet the goroutines are blocked in user code.
	EvidenceQuiescent
	// EvidenceBenign: a rule of the benign table (or a user rule) matched.
	EvidenceBenign
	// EvidenceBlocked: where and on what the goroutines block; descriptive,
	// it adds no weight on its own.
	EvidenceBlocked
	// EvidenceOrphaned: the goroutines were started by many different
	// goroutines that have exited since (one per request).
	EvidenceOrphaned
	// EvidenceOwned: each goroutine belongs to a call that is still running
	// (its parent is still in the creating function and started only this
	// one); it caps the verdict at Suspect.
	EvidenceOwned
	// EvidenceDeadlock: the dump is the runtime's "all goroutines are
	// asleep - deadlock!" crash: every goroutine blocked on a channel or
	// sync operation was stuck for good.
	EvidenceDeadlock
	// EvidenceIdleClient: HTTP client connections wait for response bodies
	// to be read while no goroutine makes a request, reads a body or runs
	// user code: nothing is about to read them.
	EvidenceIdleClient
	// EvidenceMerged: the finding folds several buckets (call paths) that
	// block at the same line and were started by the same go statement;
	// descriptive, it adds no weight (see Merge).
	EvidenceMerged
	// EvidenceOnceCycle: the goroutines wait for a sync.Once's mutex and
	// every goroutine inside a Once's init function waits for one too:
	// none can return (Do called from its own init function).
	EvidenceOnceCycle
)

// String returns a stable kebab-case name ("pile-up").
func (k EvidenceKind) String() string {
	switch k {
	case EvidenceProfile:
		return "goroutineleak-profile"
	case EvidenceLeakedFlag:
		return "leaked-flag"
	case EvidenceForever:
		return "blocks-forever"
	case EvidenceWait:
		return "wait"
	case EvidencePileUp:
		return "pile-up"
	case EvidenceGrowth:
		return "growth"
	case EvidenceAge:
		return "age"
	case EvidenceQuiescent:
		return "quiescent"
	case EvidenceBenign:
		return "benign-rule"
	case EvidenceBlocked:
		return "blocked"
	case EvidenceOrphaned:
		return "orphaned"
	case EvidenceOwned:
		return "owned"
	case EvidenceDeadlock:
		return "runtime-deadlock"
	case EvidenceIdleClient:
		return "idle-client"
	case EvidenceOnceCycle:
		return "once-cycle"
	case EvidenceMerged:
		return "merged"
	}
	return fmt.Sprintf("evidence(%d)", uint8(k))
}

// Evidence is one fact behind a verdict.
type Evidence struct {
	Kind EvidenceKind
	// Weight is how much the fact counted: 2 is strong (enough for a likely
	// leak alone), 1 is weak, 0 descriptive. Proof is not weighed.
	Weight int
	// Text says it for people; its wording may change.
	Text string
}
