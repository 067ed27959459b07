package analyzer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/internal/limit"
	"github.com/gdiag/gdiag/stack"
)

// Kind is what an input was recognised as.
type Kind string

// Input kinds.
const (
	KindBundle           Kind = "bundle"
	KindGoroutineText    Kind = "goroutine-text"    // runtime.Stack / debug=2 / crash output
	KindGoroutineDebug1  Kind = "goroutine-debug1"  // pprof debug=1 text
	KindGoroutineProfile Kind = "goroutine-profile" // pprof proto, debug=0
	KindGoroutineLeak    Kind = "goroutineleak"     // Go 1.26 goroutineleak profile (proto or debug=1)
	KindHeapProfile      Kind = "heap-profile"      // heap or allocs proto
	KindProfile          Kind = "profile"           // another pprof proto (cpu, block, mutex, …)
	KindGCTrace          Kind = "gctrace"           // GODEBUG=gctrace=1 log
	KindMetrics          Kind = "metrics"           // a collector metrics history (metrics.json)
)

// Input is one loaded file. Fields the input does not have are nil.
type Input struct {
	// Name is the path given to Load ("-" for standard input).
	Name string
	Kind Kind
	// Goroutines is the goroutine dump or profile.
	Goroutines *stack.Snapshot
	// Leaked is Go's goroutineleak profile: goroutines the runtime proved leaked.
	Leaked *stack.Snapshot
	// Manifest is set for bundles.
	Manifest *bundle.Manifest
	Metrics  *bundle.MetricsHistory
	// Profiles holds the pprof profiles found, by kind (heap, allocs, cpu, …).
	Profiles map[bundle.Kind]*profile.Profile
	// GCTrace holds the raw gctrace log lines' text when the input is, or a
	// bundle holds, a GODEBUG=gctrace=1 log.
	GCTrace []byte
	// Warnings are problems that did not stop the load (skipped lines, a
	// corrupt bundle entry); each names the file.
	Warnings []error
}

// LoadOptions tune Load. The zero value is ready to use.
type LoadOptions struct {
	// Stdin is read for the name "-"; nil means os.Stdin.
	Stdin io.Reader
	// Workers is passed to stack.Parse (0 = GOMAXPROCS).
	Workers int
	// MaxInputBytes caps the bytes read from one input, after every gzip
	// layer is removed, and from one bundle entry: a text dump, gctrace log,
	// metrics history or a bundle read from a stream (0 =
	// DefaultMaxInputBytes). Past it the input fails with an error naming
	// the limit and the flag that raises it.
	MaxInputBytes int64
	// MaxProfileBytes caps one pprof profile after decompression (0 =
	// DefaultMaxProfileBytes). Decoding costs about 30 bytes of memory per
	// byte of profile, hence a lower limit than MaxInputBytes.
	MaxProfileBytes int64
	// MaxGoroutines caps the goroutines of one text dump (0 =
	// DefaultMaxGoroutines); each costs about 500 bytes of memory however
	// small its text.
	MaxGoroutines int
	// Progress, when set, is called as bytes are read (read so far, total
	// size or -1 when unknown). It is called from the loading goroutine.
	Progress func(read, total int64)
}

// Defaults of the LoadOptions limits. At these defaults `gdiag analyze`
// stays under the memory bound stated in the README for any input.
const (
	DefaultMaxInputBytes   = 256 << 20
	DefaultMaxProfileBytes = 32 << 20
	DefaultMaxGoroutines   = 1_000_000
)

// The command-line flags that raise the limits, named in limit errors.
const (
	FlagMaxInput      = "--max-input"
	FlagMaxProfile    = "--max-profile"
	FlagMaxGoroutines = "--max-goroutines"
)

func (o LoadOptions) maxInput() int64 {
	if o.MaxInputBytes > 0 {
		return o.MaxInputBytes
	}
	return DefaultMaxInputBytes
}

func (o LoadOptions) maxProfile() int64 {
	if o.MaxProfileBytes > 0 {
		return o.MaxProfileBytes
	}
	return DefaultMaxProfileBytes
}

func (o LoadOptions) maxGoroutines() int {
	if o.MaxGoroutines > 0 {
		return o.MaxGoroutines
	}
	return DefaultMaxGoroutines
}

// ErrUnrecognized is returned (wrapped) when no supported format matches.
var ErrUnrecognized = errors.New("unrecognized input")

// ErrNothingRead is returned (wrapped) when an input was recognised but
// nothing usable could be read from it: a goroutine dump whose every
// goroutine was skipped, a zip that is not a gdiag bundle.
var ErrNothingRead = errors.New("nothing read")

// Load reads the file at path ("-" for standard input) and recognises it by
// content. On a partly readable input it returns what it could read together
// with an error; both may be non-nil. Errors name the file.
func Load(path string, opts LoadOptions) (*Input, error) {
	if path == "-" {
		in := opts.Stdin
		if in == nil {
			in = os.Stdin
		}
		return LoadReader("-", in, -1, opts)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("analyzer: %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("analyzer: %s: is a directory", path)
	}
	return LoadReader(path, f, st.Size(), opts)
}

// LoadReader is Load for an open stream; size is the stream's length or -1.
// A bundle read from a stream without io.ReaderAt is buffered in memory up to
// MaxInputBytes.
func LoadReader(name string, r io.Reader, size int64, opts LoadOptions) (*Input, error) {
	in, err := loadReader(name, r, size, opts)
	if err != nil && in != nil && in.empty() {
		return nil, err
	}
	return in, err
}

// empty reports whether nothing usable was loaded.
func (in *Input) empty() bool {
	return in.Goroutines == nil && in.Leaked == nil && in.Manifest == nil && len(in.Profiles) == 0 &&
		in.Metrics == nil && in.GCTrace == nil
}

func loadReader(name string, r io.Reader, size int64, opts LoadOptions) (*Input, error) {
	orig := r
	if opts.Progress != nil {
		r = &progressReader{r: r, total: size, fn: opts.Progress}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(sniffLen)
	in := &Input{Name: name}
	switch {
	case len(head) == 0:
		return nil, fmt.Errorf("analyzer: %s: empty input", name)
	case bundle.IsBundle(head):
		return in, loadBundle(in, name, br, orig, size, opts)
	case limit.IsGzip(head):
		// Every gzip layer (gzip of gzip included) through the input limit.
		gbr, ghead, err := limit.GunzipReader(br, opts.maxInput(), sniffLen, name, FlagMaxInput)
		if err != nil {
			return nil, fmt.Errorf("analyzer: %w", err)
		}
		if looksLikeText(ghead) {
			return in, loadText(in, name, gbr, ghead, opts)
		}
		return in, loadProfile(in, name, gbr, opts)
	case looksLikeText(head):
		return in, loadText(in, name, br, head, opts)
	default:
		return in, loadProfile(in, name, br, opts)
	}
}

const sniffLen = 64 << 10

var (
	goroutineHeader = regexp.MustCompile(`(?m)^goroutine \d+ `)
	debug1Header    = regexp.MustCompile(`(?m)^goroutine(leak)? profile: total \d+`)
	// emptyLeakProfile is the whole debug=1 goroutineleak profile of a
	// process in which the runtime proved no leak.
	emptyLeakProfile = regexp.MustCompile(`\A\s*goroutineleak profile: total 0\s*\z`)
)

// hasGCTraceLine reports whether a line of head is a gctrace cycle line,
// prefixed or not (gctune.IsGCTraceLine: the parser's own recognizer).
func hasGCTraceLine(head []byte) bool {
	for line := range bytes.Lines(head) {
		if gctune.IsGCTraceLine(string(bytes.TrimRight(line, "\r\n"))) {
			return true
		}
	}
	return false
}

func loadText(in *Input, name string, r io.Reader, head []byte, opts LoadOptions) error {
	trimmed := bytes.TrimSpace(head)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(head, []byte(`"samples"`)):
		in.Kind = KindMetrics
		var h bundle.MetricsHistory
		if err := json.NewDecoder(limit.NewReader(r, opts.maxInput(), name, FlagMaxInput)).Decode(&h); err != nil {
			if errors.Is(err, limit.ErrExceeded) {
				return fmt.Errorf("analyzer: %w", err)
			}
			return fmt.Errorf("analyzer: %s: metrics history: %w", name, err)
		}
		in.Metrics = &h
		return nil
	case hasGCTraceLine(head) && !goroutineHeader.Match(head) && !debug1Header.Match(head):
		in.Kind = KindGCTrace
		b, err := limit.ReadAll(r, opts.maxInput(), name, FlagMaxInput)
		if err != nil {
			return fmt.Errorf("analyzer: %w", err) // ReadAll names the input
		}
		in.GCTrace = b
		return nil
	}
	// The dump may be wrapped (UTF-16, JSON log records, go test -json,
	// line prefixes): stack.Unwrap takes it out once, Parse reads on.
	u := stack.Unwrap(r)
	head = u.Head()
	snap, err := parseDump(u, name, opts)
	if errors.Is(err, limit.ErrExceeded) {
		return fmt.Errorf("analyzer: %w", err)
	}
	if (snap == nil || snap.Total == 0) && emptyLeakProfile.Match(head) {
		// "goroutineleak profile: total 0": the runtime found no leak.
		in.Kind = KindGoroutineLeak
		in.Leaked = &stack.Snapshot{Format: stack.FormatDebug1}
		return nil
	}
	if snap == nil || snap.Total == 0 && errors.Is(err, stack.ErrNoGoroutine) {
		if err == nil {
			err = errors.New("no goroutine")
		}
		return fmt.Errorf("analyzer: %s: %w: text that is not a goroutine dump, gctrace log or metrics history (%w)", name, ErrUnrecognized, err)
	}
	if snap.Total == 0 {
		// Goroutine headers were there but every goroutine was skipped: an
		// empty report would read as a clean bill.
		if err == nil {
			err = errors.New("no goroutine parsed")
		}
		return fmt.Errorf("analyzer: %s: %w: looks like a goroutine dump but no goroutine could be read (%w)", name, ErrNothingRead, err)
	}
	in.Kind = KindGoroutineText
	if snap.Format == stack.FormatDebug1 {
		in.Kind = KindGoroutineDebug1
		if bytes.Contains(head, []byte("goroutineleak profile:")) {
			in.Kind = KindGoroutineLeak
			in.Leaked = snap
			return wrapPartial(name, err)
		}
	}
	in.Goroutines = snap
	return wrapPartial(name, err)
}

// wrapPartial turns a parse error on a usable result into an error that names
// the file; the caller keeps the partial result.
func wrapPartial(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("analyzer: %s: %w", name, err)
}

func loadProfile(in *Input, name string, r io.Reader, opts LoadOptions) error {
	data, err := limit.ReadAll(r, opts.maxProfile(), name, FlagMaxProfile)
	if err != nil {
		return fmt.Errorf("analyzer: %w", err)
	}
	p, err := parseProfile(data, name, opts)
	if errors.Is(err, limit.ErrExceeded) {
		return fmt.Errorf("analyzer: %w", err)
	}
	if err != nil {
		return fmt.Errorf("analyzer: %s: %w: not a bundle, goroutine dump, gctrace log or pprof profile (%v)", name, ErrUnrecognized, err)
	}
	kind := ProfileKind(p)
	switch kind {
	case bundle.KindGoroutineProfile, bundle.KindGoroutineLeak:
		snap := FromProfile(p)
		if kind == bundle.KindGoroutineLeak {
			in.Kind = KindGoroutineLeak
			in.Leaked = snap
		} else {
			in.Kind = KindGoroutineProfile
			in.Goroutines = snap
		}
	case bundle.KindHeap, bundle.KindAllocs:
		in.Kind = KindHeapProfile
	default:
		in.Kind = KindProfile
	}
	in.Profiles = map[bundle.Kind]*profile.Profile{kind: p}
	return nil
}

// ProfileKind tells which runtime profile p is from its sample types.
// Goroutine and goroutineleak profiles have the same shape; the leak profile
// is recognised by the "goroutineleak" sample or period type that Go 1.26
// writes. It returns bundle.KindOther when nothing matches.
func ProfileKind(p *profile.Profile) bundle.Kind {
	has := func(typ, unit string) bool {
		for _, st := range p.SampleType {
			if st.Type == typ && (unit == "" || st.Unit == unit) {
				return true
			}
		}
		return false
	}
	switch {
	case has("goroutineleak", ""):
		return bundle.KindGoroutineLeak
	case has("goroutine", "count"):
		if p.PeriodType != nil && p.PeriodType.Type == "goroutineleak" {
			return bundle.KindGoroutineLeak
		}
		return bundle.KindGoroutineProfile
	case has("alloc_space", "") && p.DefaultSampleType == "alloc_space":
		return bundle.KindAllocs
	case has("inuse_space", "") || has("alloc_space", ""):
		return bundle.KindHeap
	case has("cpu", "nanoseconds"):
		return bundle.KindCPU
	case has("time", "nanoseconds") && has("samples", "count"):
		return bundle.KindFgprof
	case has("contentions", "count") && has("delay", "nanoseconds"):
		// Block and mutex profiles share sample types; the period type
		// tells them apart.
		if p.PeriodType != nil && p.PeriodType.Type == "contentions" && p.Period > 1 {
			return bundle.KindMutex
		}
		return bundle.KindBlock
	case has("threadcreate", "count"):
		return bundle.KindThreadcreate
	}
	return bundle.KindOther
}

// looksLikeText reports whether b is mostly printable text as package
// stack reads it (UTF-8 or UTF-16, NUL bytes and colour escapes allowed).
func looksLikeText(b []byte) bool { return stack.LooksLikeText(b) }

type progressReader struct {
	r        io.Reader
	read     int64
	total    int64
	next     int64
	fn       func(read, total int64)
	finished bool
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if p.read >= p.next || (err == io.EOF && !p.finished) {
		p.next = p.read + 8<<20
		p.finished = err == io.EOF
		p.fn(p.read, p.total)
	}
	return n, err
}
